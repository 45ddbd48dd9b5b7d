import { fileURLToPath } from 'node:url'
import { catalogProblem, personaProblem, SimError, type Catalog, type Persona } from '../core/index.ts'

// The engine's own code: a stack frame outside it (and outside node_modules and Node) is the user's.
const ENGINE_DIR = fileURLToPath(new URL('../', import.meta.url))

/** `file:line:col` of the first stack frame in the user's code (not the engine, a dependency or Node), or null. */
export function userFrame(stack: string | undefined): string | null {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line.trim())
    if (!m) continue
    let file = m[1]!
    if (file.startsWith('file://')) file = fileURLToPath(file)
    if (file.startsWith('node:') || file.includes('/node_modules/') || file.startsWith(ENGINE_DIR) || !file.startsWith('/')) continue
    return `${file}:${m[2]}:${m[3]}`
  }
  return null
}

/** What a thrown value says, with where in the user's code it was thrown. */
export function describeThrown(err: unknown): string {
  const message = (err as Error)?.message ?? String(err)
  const at = userFrame((err as Error)?.stack)
  return at ? `${message} (at ${at})` : message
}

/** Calls the scenario's `persona(id)` and checks what it returns; a throw or a malformed persona names the scenario file. */
export function buildPersona(file: string, build: () => Persona, id: number, dim: number): Persona {
  let p: Persona
  try {
    p = build()
  } catch (err) {
    if (err instanceof SimError && err.code !== 'INTERNAL') throw err
    throw new SimError('SCENARIO_FAILED', `persona(${id}) of ${file} threw: ${describeThrown(err)}`, { cause: err })
  }
  const problem = personaProblem(p, id, dim)
  if (problem) throw new SimError('SCENARIO_FAILED', `persona(${id}) of ${file} returned an invalid persona:\n${problem}`)
  return p
}

/** Calls the scenario's `catalog()` and checks every item; errors name the item, the field and the scenario file. */
export function buildCatalog(file: string, build: () => Catalog): Catalog {
  let c: Catalog
  try {
    c = build()
  } catch (err) {
    if (err instanceof SimError && err.code !== 'INTERNAL') throw err
    throw new SimError('SCENARIO_FAILED', `catalog() of ${file} threw: ${describeThrown(err)}`, { cause: err })
  }
  const problem = catalogProblem(c)
  if (problem) throw new SimError('SCENARIO_FAILED', `catalog() of ${file} returned an invalid catalog: ${problem}`)
  return c
}
