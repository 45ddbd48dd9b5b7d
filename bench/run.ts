// `npm run bench [-- NAME ...]`: runs the benchmarks (all, or those named) one after another
// and prints their figures; `--json` adds one JSON object with everything at the end.
import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const dir = fileURLToPath(new URL('./', import.meta.url))
const args = process.argv.slice(2)
const json = args.includes('--json')
const wanted = args.filter((a) => !a.startsWith('--'))
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('-child.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort((a, b) => (a === 'engine' ? -1 : b === 'engine' ? 1 : a.localeCompare(b)))

if (wanted.length && names.length !== wanted.length) {
  console.error(`unknown benchmark(s): ${wanted.filter((w) => !names.includes(w)).join(', ')}`)
  process.exit(2)
}
const all: Record<string, unknown> = {}
for (const name of names) {
  const mod = (await import(pathToFileURL(`${dir}${name}.ts`).href)) as { bench?: () => Promise<Record<string, unknown>> }
  if (typeof mod.bench !== 'function') continue
  console.log(`\n== ${name}`)
  const t0 = performance.now()
  Object.assign(all, await mod.bench())
  console.log(`   (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
}
if (json) console.log(JSON.stringify(all))
