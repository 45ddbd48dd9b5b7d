export * from './gini.ts'
export * from './slate-metrics.ts'
export * from './round-metrics.ts'
