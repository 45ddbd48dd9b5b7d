import { readFileSync } from 'node:fs'

/** The package version, recorded with every run. */
export const USERSIM_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version
