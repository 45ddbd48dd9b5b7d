import { describe, expect, it } from 'vitest'
import { rngFor, type Catalog, type Item, type RecommendContext, type TaskDef } from '../../src/core/index.ts'
import {
  emptyPreferences,
  meetsHard,
  parseCommand,
  recbotMemory,
  recbotPolicy,
  runToolChain,
  type ParseCommandOutput,
  type Preferences,
  type RecbotMemory,
} from '../../agents/recommenders/recbot/index.ts'

/** A small fixed catalog: skirts of every length, colour and pattern at several prices, plus dresses. */
function skirtCatalog(): Catalog {
  const items: Item[] = []
  const lengths = ['short', 'midi', 'long']
  const colors = ['light blue', 'black', 'red']
  const patterns = ['floral', 'plain', 'striped']
  const prices = [90, 190, 210, 320]
  for (const category of ['skirt', 'dress']) {
    for (const length of lengths)
      for (const color of colors)
        for (const pattern of patterns)
          for (const price of prices) {
            const id = items.length
            const style = id % 3 === 0 ? 'warm' : id % 3 === 1 ? 'light' : 'romantic'
            items.push({
              id,
              title: `Item${id} ${color} ${pattern} ${length} ${category}`,
              description: `A ${style} ${length} ${category} in ${color} with a ${pattern} pattern.`,
              category,
              tags: [`length:${length}`, `color:${color}`, `pattern:${pattern}`, style],
              price,
              quality: 0.5,
              // Short skirts are the most popular: the opening feed is "all short skirts".
              popularity: (category === 'skirt' && length === 'short' ? 10 : 1) / (1 + id),
              year: 2024,
              vector: [1],
            })
          }
  }
  const tags = [...lengths.map((x) => `length:${x}`), ...colors.map((x) => `color:${x}`), ...patterns.map((x) => `pattern:${x}`), 'warm', 'light', 'romantic']
  return { items, categories: ['skirt', 'dress'], tags }
}

function recordingCtx(catalog: Catalog, round: number, parses: ParseCommandOutput[]): RecommendContext {
  return {
    catalog,
    round,
    truth: { utility: () => 0 },
    task: <I, O>(def: TaskDef<I, O>, input: I): Promise<O> => {
      const out = def.output.parse(def.surrogate(def.input.parse(input), rngFor(1, 0, round, def.name)))
      if (def.name === parseCommand.name) parses.push(out as ParseCommandOutput)
      return Promise.resolve(out)
    },
  }
}

const hard = (p: Preferences, side: 'positive' | 'negative') => p[side].hard.map((c) => `${c.attr} ${c.op} ${c.value}`).sort()

describe('RecBot golden episode (paper case study: short → long skirts, light blue, around 200, no floral, perfect)', () => {
  it('parses each command into the expected constraints and memory, and the final feed meets them', async () => {
    const catalog = skirtCatalog()
    const policy = recbotPolicy()
    const snap = policy.snapshot(policy.init({ catalog, agents: 1, seed: 1, slateSize: 6 }))
    const parses: ParseCommandOutput[] = []
    let memory: unknown
    const step = async (round: number, command?: string) => {
      const rec = await policy.recommend(
        snap,
        { id: 0, history: [], utterances: command ? [{ kind: 'command', text: command }] : [], memory },
        6,
        rngFor(1, round),
        recordingCtx(catalog, round, parses),
      )
      if (Array.isArray(rec)) throw new Error('recbot returns memory')
      memory = rec.memory
      return rec.items.map((i) => catalog.items[i]!)
    }

    const opening = await step(0)
    expect(opening.every((it) => it.category === 'skirt' && it.tags.includes('length:short'))).toBe(true)

    await step(1, "These are all short skirts, it's autumn — show me long ones")
    let mem = recbotMemory.parse(memory)
    expect(hard(mem.preferences, 'positive')).toEqual(['category eq skirt', 'length eq long'])
    expect(hard(mem.preferences, 'negative')).toEqual(['length eq short'])
    expect(mem.preferences.positive.soft.map((s) => s.text)).toEqual(['autumn'])
    expect(parses.at(-1)!.update).toBe('integrate')

    await step(2, 'light blue')
    mem = recbotMemory.parse(memory)
    expect(hard(mem.preferences, 'positive')).toEqual(['category eq skirt', 'color eq light blue', 'length eq long'])

    await step(3, 'around 200')
    mem = recbotMemory.parse(memory)
    expect(hard(mem.preferences, 'positive')).toEqual(['category eq skirt', 'color eq light blue', 'length eq long', 'price gte 160', 'price lte 240'])

    const beforeFloral = await step(4, 'nothing floral')
    mem = recbotMemory.parse(memory)
    expect(hard(mem.preferences, 'negative')).toEqual(['length eq short', 'pattern eq floral'])
    expect(mem.plan.map((t) => t.name)).toEqual(['filter', 'matcher', 'aggregator'])
    const counts = mem.counts.find((c) => c.tool === 'filter')!
    expect(counts.before).toBe(catalog.items.length)
    expect(counts.after).toBe(4) // long light-blue skirts at 190 or 210, plain or striped

    const memoryBeforePerfect = structuredClone(mem.preferences)
    const final = await step(5, 'perfect')
    mem = recbotMemory.parse(memory)
    expect(parses.at(-1)!.update).toBe('preserve')
    expect(mem.preferences).toEqual(memoryBeforePerfect)

    // The feed meets every constraint (the 4 matching items come first; the rest tops the feed up).
    for (const it of [...beforeFloral.slice(0, 4), ...final.slice(0, 4)]) {
      expect(it.category).toBe('skirt')
      expect(it.tags).toContain('length:long')
      expect(it.tags).toContain('color:light blue')
      expect(it.tags).not.toContain('pattern:floral')
      expect(it.price).toBeGreaterThanOrEqual(160)
      expect(it.price).toBeLessThanOrEqual(240)
      expect(meetsHard(it, mem.preferences)).toBe(true)
    }
    // "autumn" reaches warm items through the Matcher's semantic score: a warm one ranks first.
    expect(final[0]!.tags).toContain('warm')
  })

  it('a command the parser cannot read yields an empty preference and a warning, not a crash', async () => {
    const catalog = skirtCatalog()
    const policy = recbotPolicy()
    const snap = policy.snapshot(policy.init({ catalog, agents: 1, seed: 1, slateSize: 5 }))
    const parses: ParseCommandOutput[] = []
    const prior: RecbotMemory = { preferences: { ...emptyPreferences(), positive: { hard: [{ attr: 'color', op: 'eq', value: 'red' }], soft: [] } }, lastFeed: [], commands: 1, warnings: [], plan: [], counts: [], unparsed: false, trial: 0, lessons: [], steps: [], evidence: [], shown: [], avoid: [] }
    const rec = await policy.recommend(snap, { id: 0, history: [], utterances: [{ kind: 'command', text: 'blorp zzz qux ###' }], memory: prior }, 5, rngFor(2), recordingCtx(catalog, 0, parses))
    if (Array.isArray(rec)) throw new Error('recbot returns memory')
    const mem = recbotMemory.parse(rec.memory)
    expect(parses[0]!.understood).toBe(false)
    expect(parses[0]!.delta).toEqual(emptyPreferences())
    expect(parses[0]!.warning).toMatch(/could not interpret/)
    expect(mem.unparsed).toBe(true)
    expect(mem.warnings.at(-1)).toMatch(/blorp/)
    expect(mem.preferences).toEqual(prior.preferences)
    expect(rec.items).toHaveLength(5)
  })

  it('a planner mistake (unknown tool, bad parameter) is reported and skipped', () => {
    const catalog = skirtCatalog()
    const r = runToolChain([{ name: 'teleport', params: {} }, { name: 'matcher', params: { alpha: 7 } }], [0, 1, 2], { catalog, preferences: emptyPreferences(), collaborative: () => 0 })
    expect(r.problems).toHaveLength(2)
    expect(r.candidates).toEqual([0, 1, 2])
  })
})
