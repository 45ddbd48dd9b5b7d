import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(new URL('../..', import.meta.url).pathname)
const SOURCES = ['src', 'agents', 'scenarios', 'workers']

function files(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...files(p))
    else if (name.endsWith('.ts')) out.push(p)
  }
  return out
}

// Every module specifier: static imports and re-exports (type-only included), dynamic imports of literals.
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'"\n;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2]!
    if (!spec.startsWith('.')) continue
    out.push(resolve(dirname(file), spec))
  }
  return out
}

const all = SOURCES.flatMap((d) => files(join(ROOT, d)))
const graph = new Map(all.map((f) => [f, importsOf(f).filter((t) => t.endsWith('.ts'))]))

/** Strongly connected components with more than one file (or a self-import): the import cycles. */
function cycles(): string[][] {
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const out: string[][] = []
  const visit = (v: string) => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        on.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.map((f) => relative(ROOT, f)).sort())
    }
  }
  for (const f of graph.keys()) if (!idx.has(f)) visit(f)
  return out
}

/** The folder a file belongs to for layering: src/<folder>, or agents, scenarios, workers. */
function layer(file: string): string {
  const rel = relative(ROOT, file).split('/')
  if (rel[0] !== 'src') return rel[0]!
  return rel.length === 2 ? `src/${rel[1]!.replace(/\.ts$/, '')}` : `src/${rel[1]}`
}

// The layer table lint enforces (eslint.config.js): one table, checked twice.
const { LAYERS: ALLOWED } = (await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as { LAYERS: Record<string, readonly string[]> }

describe('architecture', () => {
  it('has no import cycles, type-only imports included', () => {
    expect(cycles()).toEqual([])
  })

  it('imports point the way the layer table says', () => {
    const bad: string[] = []
    for (const [file, targets] of graph) {
      const from = layer(file)
      const allowed = ALLOWED[from]
      expect(allowed, `no layer rule for ${from}`).toBeDefined()
      if (allowed!.includes('*')) continue
      for (const t of targets) {
        const to = layer(t)
        if (to !== from && !allowed!.includes(to)) bad.push(`${relative(ROOT, file)} → ${relative(ROOT, t)} (${from} may not import ${to})`)
      }
    }
    expect(bad).toEqual([])
  })

  it('the engine (runner, store) imports no feature', () => {
    const features = ['src/checkpoint', 'src/correction', 'src/datasets', 'src/report', 'src/fidelity', 'src/recovery', 'src/extensions']
    const bad: string[] = []
    for (const [file, targets] of graph) {
      if (!['src/runner', 'src/store'].includes(layer(file))) continue
      for (const t of targets) if (features.includes(layer(t))) bad.push(`${relative(ROOT, file)} → ${relative(ROOT, t)}`)
    }
    expect(bad).toEqual([])
  })
})
