import { describe, expect, it } from 'vitest'
import { catalogProblem, generateCatalog, generatePersona, itemSchema, personaProblem, personaSchema } from '../../src/core/index.ts'

const BAD_VALUES: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, undefined, null, 'x', -1, 2, 1.5, [], {}, true]

/** Every path to a leaf (and to every object or array on the way) of a plain value. */
function paths(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = prefix.length ? [prefix] : []
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])))
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]))
  return out
}

function withValue<T>(v: T, path: Array<string | number>, value: unknown): T {
  const copy = structuredClone(v) as Record<string | number, unknown>
  let at = copy
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>
  at[path.at(-1)!] = value
  return copy as T
}

describe('persona and item checks', () => {
  const catalog = generateCatalog({ seed: 3, size: 20 })
  const persona = generatePersona(5, { seed: 3, catalog })

  it('accept what the generators build', () => {
    expect(catalogProblem(catalog)).toBeNull()
    expect(personaProblem(persona, 5, 16)).toBeNull()
  })

  // The fast checks must never let through what the zod schema refuses.
  it('refuse every persona the zod schema refuses, naming the field', () => {
    let refused = 0
    for (const path of paths(persona)) {
      for (const bad of BAD_VALUES) {
        const p = withValue(persona, path, bad)
        if (personaSchema.safeParse(p).success) continue
        refused++
        const problem = personaProblem(p, 5, 16)
        expect(problem, `${path.join('.')} = ${String(bad)}`).not.toBeNull()
      }
    }
    expect(refused).toBeGreaterThan(200)
    expect(personaProblem({ ...persona, expectation: Number.NaN }, 5, 16)).toMatch(/^\s+expectation: /)
  })

  it('refuse every item the zod schema refuses, naming the item and the field', () => {
    const item = catalog.items[4]!
    let refused = 0
    for (const path of paths(item)) {
      for (const bad of BAD_VALUES) {
        const it = withValue(item, path, bad)
        if (itemSchema.safeParse(it).success) continue
        refused++
        const c = { ...catalog, items: catalog.items.map((x, i) => (i === 4 ? it : x)) }
        expect(catalogProblem(c), `${path.join('.')} = ${String(bad)}`).toMatch(/^item 4\b/)
      }
    }
    expect(refused).toBeGreaterThan(100)
  })

  it('check ids, the taste dimension and vectors of one length', () => {
    expect(personaProblem(persona, 6, 16)).toMatch(/id: is 5; persona\(6\) must return id 6/)
    expect(personaProblem(persona, 5, 8)).toMatch(/hidden\.taste: has 16 numbers; the catalog's item vectors have 8/)
    const short = { ...catalog, items: catalog.items.map((x, i) => (i === 2 ? { ...x, vector: x.vector.slice(0, 3) } : x)) }
    expect(catalogProblem(short)).toMatch(/item 2 .*\n\s+vector: has 3 numbers; item 0's has 16/)
    expect(catalogProblem({ ...catalog, items: [] })).toMatch(/items: the catalog has no items/)
  })
})
