import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PACKAGE_ROOT, scenarioPath } from '../scenario-loader.ts'
import { USERSIM_VERSION } from '../version.ts'

/** The modules a worker runs a shard with; everything they import is followed. */
const SHARD_ROOTS = ['../run-shard.ts', '../shard-env.ts', '../../llm/create-runner.ts', './wire.ts', './shard-worker.ts'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
)

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm

/** The files reachable from `roots` through relative imports, sorted. */
export function importClosure(roots: readonly string[]): string[] {
  const seen = new Set<string>()
  const stack = [...roots]
  while (stack.length) {
    const file = stack.pop()!
    if (seen.has(file) || !existsSync(file)) continue
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]
      if (spec) stack.push(resolve(dirname(file), spec))
    }
  }
  return [...seen].sort()
}

function hashFiles(label: string, files: readonly string[]): string {
  const h = createHash('sha256').update(label)
  for (const f of files) h.update(`\n${relative(PACKAGE_ROOT, f)}\n`).update(readFileSync(f))
  return h.digest('hex').slice(0, 16)
}

let codeHash: string | undefined

/**
 * A hash of the code a shard runs with: the package version and every module reachable
 * from the shard runner (core, metrics, agents, policies, LLM layer). The orchestrator puts
 * it in each job; a worker with another hash refuses the job rather than compute something
 * else. A worker takes it once (the code it loaded); the orchestrator when a run starts
 * (`fresh`), since one process may start runs over hours while the files change.
 */
export function codeVersionHash(opts: { fresh?: boolean } = {}): string {
  if (opts.fresh) return hashFiles(`usersim ${USERSIM_VERSION}`, importClosure(SHARD_ROOTS))
  codeHash ??= hashFiles(`usersim ${USERSIM_VERSION}`, importClosure(SHARD_ROOTS))
  return codeHash
}

/** A hash of the scenario module and the files it imports (relative imports). */
export function scenarioFileHash(scenarioRef: string): string {
  return hashFiles('scenario', importClosure([scenarioPath(scenarioRef)]))
}
