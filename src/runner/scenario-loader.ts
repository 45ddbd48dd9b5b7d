import { existsSync, readdirSync, statSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { z } from 'zod'
import { scenarioSchema, SimError, type ScenarioDef } from '../core/index.ts'

/** The package root (where scenarios/ lives). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BUILTIN_DIR = join(PACKAGE_ROOT, 'scenarios')

/** Names of the built-in scenarios (folders of scenarios/ with a scenario.ts). */
export function builtinScenarioNames(): string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((d) => existsSync(join(BUILTIN_DIR, d, 'scenario.ts')))
    .sort()
}

/** Turns what the user typed into a built-in name or an absolute module path. */
export function resolveScenarioRef(ref: string, cwd = process.cwd()): string {
  if (/^[a-z0-9][a-z0-9-]*$/.test(ref) && existsSync(join(BUILTIN_DIR, ref, 'scenario.ts'))) return ref
  const path = isAbsolute(ref) ? ref : resolve(cwd, ref)
  if (existsSync(path) && statSync(path).isFile()) return path
  const looksLikeName = !/[/\\.]/.test(ref)
  throw new SimError(
    'SCENARIO_NOT_FOUND',
    looksLikeName
      ? `no built-in scenario "${ref}" (built-ins: ${builtinScenarioNames().join(', ')}) and no file ./${ref}`
      : `scenario file not found: ${path}`,
  )
}

export function scenarioPath(ref: string): string {
  return isAbsolute(ref) ? ref : join(BUILTIN_DIR, ref, 'scenario.ts')
}

const cache = new Map<string, Promise<ScenarioDef>>()

/** Imports and validates a scenario module (default export, or a named `scenario`). */
export function loadScenario(ref: string): Promise<ScenarioDef> {
  let p = cache.get(ref)
  if (!p) {
    p = importScenario(ref)
    cache.set(ref, p)
    p.catch(() => cache.delete(ref))
  }
  return p
}

let cjsTypeScript: Promise<unknown> | undefined

/**
 * A `.ts` file outside a `"type": "module"` package is CommonJS to Node, so Node's own
 * require loads it, and that loader knows no TypeScript: it failed with "Cannot require()
 * ES Module … in a cycle". tsx's require hook (registered once, only when such a file is
 * loaded) compiles it; its `import … from 'usersim'` then reaches this package as usual.
 */
function typeScriptForRequire(path: string): Promise<unknown> {
  if (!/\.(ts|cts|tsx)$/.test(path)) return Promise.resolve()
  cjsTypeScript ??= import('tsx/cjs/api').then((tsx) => tsx.register())
  return cjsTypeScript
}

async function importScenario(ref: string): Promise<ScenarioDef> {
  const path = scenarioPath(ref)
  let mod: Record<string, unknown>
  try {
    if (isAbsolute(ref)) await typeScriptForRequire(path)
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (err) {
    throw new SimError('SCENARIO_INVALID', `could not load scenario ${path}: ${(err as Error).message}`, { cause: err })
  }
  const candidate = mod.default ?? mod.scenario
  if (candidate === undefined) {
    throw new SimError(
      'SCENARIO_INVALID',
      `${path} is not a scenario: it must \`export default defineScenario({...})\``,
    )
  }
  const parsed = scenarioSchema.safeParse(candidate)
  if (!parsed.success) {
    throw new SimError('SCENARIO_INVALID', `${path} is not a valid scenario:\n${z.prettifyError(parsed.error)}`)
  }
  return candidate as ScenarioDef
}
