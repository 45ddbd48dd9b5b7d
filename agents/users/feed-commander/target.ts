import { z } from 'zod'
import { rngFor, type Catalog, type Item } from '../../../src/core/index.ts'
import { facetSchema, facetValue, softTags } from '../../recommenders/recbot/facets.ts'

/** One hidden condition of a feed user. */
export const facet = z.discriminatedUnion('kind', [
  z.object({ key: z.string(), kind: z.literal('category'), value: z.string() }),
  z.object({ key: z.string(), kind: z.literal('attr'), attr: z.string(), value: z.string() }),
  z.object({ key: z.string(), kind: z.literal('price'), around: z.number(), lo: z.number(), hi: z.number() }),
  z.object({ key: z.string(), kind: z.literal('avoid'), attr: z.string(), value: z.string() }),
  z.object({ key: z.string(), kind: z.literal('soft'), value: z.string() }),
])
export type Facet = z.infer<typeof facet>

export const feedSetting = z.enum(['single', 'multi', 'drift'])
export type FeedSetting = z.infer<typeof feedSetting>

/** A phase of the user's interest: from round `from` on, these facets and this target item. */
export const feedPhase = z.object({ from: z.number().int().nonnegative(), item: z.number().int(), title: z.string(), facets: z.array(facet) })
export type FeedPhase = z.infer<typeof feedPhase>

/** The hidden target of a feed user (lives in persona.hidden.target). */
export const feedTarget = z.object({
  setting: feedSetting, maxRounds: z.number().int().positive(), phases: z.array(feedPhase).min(1),
  /** Trials of the episode (RetroAct): a failed episode restarts with the same target up to this many times in all. */
  trials: z.number().int().positive().default(1),
})
export type FeedTarget = z.infer<typeof feedTarget>

/** Hard facets are checkable; a soft facet is a style the item must carry. */
export const isHard = (f: Facet) => f.kind !== 'soft'

export function facetMet(item: Item, f: Facet): boolean {
  switch (f.kind) {
    case 'category':
      return item.category === f.value
    case 'attr':
      return facetValue(item, f.attr) === f.value
    case 'price':
      return item.price >= f.lo && item.price <= f.hi
    case 'avoid':
      return facetValue(item, f.attr) !== f.value
    case 'soft':
      return softTags(item).includes(f.value)
  }
}

export const fullyMatches = (item: Item, facets: readonly Facet[]) => facets.every((f) => facetMet(item, f))

export function phaseAt(t: FeedTarget, round: number): FeedPhase {
  let p = t.phases[0]!
  for (const q of t.phases) if (q.from <= round) p = q
  return p
}

function facetsOf(item: Item, catalog: Catalog, seed: number, id: number): Facet[] {
  const rng = rngFor(seed, 'feed-facets', id)
  const schema = facetSchema(catalog)
  const f: Facet[] = [{ key: 'category', kind: 'category', value: item.category }]
  const length = facetValue(item, 'length')
  if (typeof length === 'string') f.push({ key: 'length', kind: 'attr', attr: 'length', value: length })
  const color = facetValue(item, 'color')
  if (typeof color === 'string' && rng.next() < 0.85) f.push({ key: 'color', kind: 'attr', attr: 'color', value: color })
  if (rng.next() < 0.7) {
    const around = Math.max(20, Math.round(item.price / 10) * 10)
    f.push({ key: 'price', kind: 'price', around, lo: Math.min(Math.round(around * 0.8), item.price), hi: Math.max(Math.round(around * 1.2), item.price) })
  }
  const pattern = facetValue(item, 'pattern')
  const others = (schema.attrs.get('pattern') ?? []).filter((p) => p !== pattern)
  if (others.length && rng.next() < 0.6) f.push({ key: 'avoid', kind: 'avoid', attr: 'pattern', value: rng.pick(others) })
  const styles = softTags(item)
  if (styles.length && rng.next() < 0.6) f.push({ key: 'soft', kind: 'soft', value: rng.pick(styles) })
  return f
}

/**
 * Draws a feed user's hidden target: an item and the conditions it meets (category and
 * length always; colour, a price band, a pattern to avoid and a style sometimes). With
 * drift, from `driftRound` on the colour changes and the target moves to an item that
 * meets the new conditions.
 */
export function drawFeedTarget(opts: { seed: number; id: number; catalog: Catalog; setting: FeedSetting; maxRounds: number; driftRound: number; trials?: number }): FeedTarget {
  const { seed, id, catalog } = opts
  const rng = rngFor(seed, 'feed-target', id)
  const item = catalog.items[rng.int(catalog.items.length)]!
  const facets = facetsOf(item, catalog, seed, id)
  const phases: FeedPhase[] = [{ from: 0, item: item.id, title: item.title, facets }]
  if (opts.setting === 'drift' && opts.driftRound < opts.maxRounds - 1) {
    const colors = (facetSchema(catalog).attrs.get('color') ?? []).filter((c) => c !== facetValue(item, 'color'))
    const newColor = colors.length ? rng.pick(colors) : undefined
    if (newColor) {
      const next: Facet[] = [...facets.filter((f) => f.key !== 'color'), { key: 'color', kind: 'attr', attr: 'color', value: newColor }]
      const matches = catalog.items.filter((it) => fullyMatches(it, next))
      if (matches.length) {
        const t = matches[rng.int(matches.length)]!
        phases.push({ from: opts.driftRound, item: t.id, title: t.title, facets: next })
      }
    }
  }
  return { setting: opts.setting, maxRounds: opts.maxRounds, phases, trials: opts.trials ?? 1 }
}
