export type { CallAgreement, DistillSample, DistillSpec } from './spec.ts'
export { adam, ksDistance, logistic, ridge, rms, setF1, wasserstein1 } from './fit.ts'
