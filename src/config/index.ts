/** Typed run configuration: parsed once where a run starts, typed everywhere after. */
export { runConfigSchema, parseRunConfig, type RunConfig, type RunConfigInput } from './run-config.ts'
export { recoverySchema, recoveryOf, hasGuards, type RecoverySettings } from './recovery-settings.ts'
