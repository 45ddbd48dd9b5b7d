/** Typed run configuration: parsed once where a run starts, typed everywhere after. */
export { runConfigSchema, parseRunConfig, type RunConfig, type RunConfigInput } from './run-config.ts'
export { recoverySchema, recoveryOf, hasGuards, type RecoverySettings } from './recovery-settings.ts'
export {
  agreementFiguresSchema,
  hybridSettingsSchema,
  PROFILE_FORMAT,
  surrogateProfileSchema,
  type AgreementFigures,
  type HybridSettings,
  type SurrogateProfile,
} from './hybrid-settings.ts'
