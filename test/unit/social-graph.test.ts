import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  currentNeighbours,
  graphFromEdges,
  homophilousGraph,
  meanDegree,
  neighboursOf,
  preferentialGraph,
  routeMessages,
  smallWorldGraph,
  type Message,
  type SocialGraph,
} from '../../src/core/index.ts'
import { readEdgeList } from '../../src/data/index.ts'
import { tempDir } from '../helpers/cli.ts'

function checkSimple(g: SocialGraph) {
  for (let a = 0; a < g.agents; a++) {
    const row = Array.from(neighboursOf(g, a))
    expect(row).toEqual([...new Set(row)].sort((x, y) => x - y))
    expect(row).not.toContain(a)
    // Undirected: every friendship is listed at both ends.
    for (const b of row) expect(Array.from(neighboursOf(g, b))).toContain(a)
  }
}

describe('social graphs', () => {
  it('graphFromEdges drops self-loops and duplicates, sorts rows, and names a bad edge', () => {
    const g = graphFromEdges(4, [0, 1, 2, 1, 3], [1, 0, 2, 3, 0])
    expect(Array.from(neighboursOf(g, 0))).toEqual([1, 3])
    expect(Array.from(neighboursOf(g, 2))).toEqual([])
    checkSimple(g)
    expect(() => graphFromEdges(3, [0], [5])).toThrow(/edge 0 \(0, 5\) names an agent outside 0–2/)
  })

  it.each([
    ['small-world', (seed: number) => smallWorldGraph({ agents: 500, degree: 10, seed })],
    ['preferential', (seed: number) => preferentialGraph({ agents: 500, degree: 10, seed })],
    ['homophilous', (seed: number) => homophilousGraph({ agents: 500, degree: 10, seed, group: (i) => i % 5 })],
  ])('%s: seeded, simple, about the asked mean degree', (_name, make) => {
    const g = make(1)
    checkSimple(g)
    expect(meanDegree(g)).toBeGreaterThan(8)
    expect(meanDegree(g)).toBeLessThanOrEqual(10.5)
    expect(make(1).targets).toEqual(g.targets)
    expect(make(2).targets).not.toEqual(g.targets)
  })

  it('preferential attachment grows hubs; homophilous graphs keep friends in the group', () => {
    const pa = preferentialGraph({ agents: 2000, degree: 10, seed: 3 })
    const sw = smallWorldGraph({ agents: 2000, degree: 10, seed: 3 })
    const maxDeg = (g: SocialGraph) => Math.max(...Array.from({ length: g.agents }, (_, a) => neighboursOf(g, a).length))
    expect(maxDeg(pa)).toBeGreaterThan(4 * maxDeg(sw))
    const h = homophilousGraph({ agents: 2000, degree: 10, seed: 3, homophily: 0.9, group: (i) => i % 8 })
    let same = 0
    for (let a = 0; a < h.agents; a++) for (const b of neighboursOf(h, a)) if (a % 8 === b % 8) same++
    expect(same / h.targets.length).toBeGreaterThan(0.8)
  })

  it('100,000 agents at mean degree 20 fit in under 10 MB', () => {
    const g = smallWorldGraph({ agents: 100_000, degree: 20, seed: 1 })
    expect(g.offsets.byteLength + g.targets.byteLength).toBeLessThan(10 * 1024 * 1024)
    expect(meanDegree(g)).toBeGreaterThan(19)
  })

  it('follows and unfollows change an agent’s friends', () => {
    const g = graphFromEdges(5, [0, 0], [1, 2])
    expect(currentNeighbours(g, 0)).toEqual([1, 2])
    expect(currentNeighbours(g, 0, { add: [4], drop: [1] })).toEqual([2, 4])
  })

  it('reads an edge list with a header and names a bad line', () => {
    const dir = tempDir()
    const ok = join(dir, 'friends.csv')
    writeFileSync(ok, 'source,target\n0,3\n# a comment\n2,1\n')
    expect(readEdgeList(ok)).toMatchObject({ agents: 4 })
    const bad = join(dir, 'bad.csv')
    writeFileSync(bad, '0,1\n2,x\n')
    expect(() => readEdgeList(bad)).toThrow(/bad\.csv:2: agent ids must be non-negative integers/)
  })
})

describe('routing messages between shards', () => {
  const m = (from: number, to: number[]): Message => ({ round: 0, from, to, kind: 'share', item: 1 })
  it('each range gets the messages addressed into it, in canonical order, cut to the range', () => {
    const msgs = [m(1, [0, 5, 9]), m(4, [6]), m(7, [2, 3])]
    const [a, b] = routeMessages(msgs, [[0, 5], [5, 10]])
    expect(a!.map((x) => [x.from, x.to])).toEqual([[1, [0]], [7, [2, 3]]])
    expect(b!.map((x) => [x.from, x.to])).toEqual([[1, [5, 9]], [4, [6]]])
    // Another layout delivers the same messages to each agent.
    const perAgent = (parts: Message[][]) => {
      const got = new Map<number, number[]>()
      for (const part of parts) for (const x of part) for (const t of x.to) got.set(t, [...(got.get(t) ?? []), x.from])
      return [...got].sort((p, q) => p[0] - q[0])
    }
    expect(perAgent(routeMessages(msgs, [[0, 3], [3, 7], [7, 10]]))).toEqual(perAgent([a!, b!]))
  })
})
