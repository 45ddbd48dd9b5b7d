/**
 * Seeded randomness. Every random draw in a run comes from an `Rng` derived from
 * (run seed, agent, round, stream), so a result never depends on which shard, thread,
 * worker or retry computed it.
 */

/** A seeded pseudo-random generator (sfc32). Cheap to create, so derive one per use. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [0, n). */
  int(n: number): number
  /** Standard normal draw. */
  normal(): number
  /** Picks one element. */
  pick<T>(items: readonly T[]): T
  /** The generator's position, for checkpoints. */
  state(): [number, number, number, number]
}

/** Mixes a 32-bit value (murmur3 finaliser): adjacent inputs give unrelated outputs. */
export function mix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Hashes a string to 32 bits (FNV-1a then mixed). */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return mix32(h)
}

/** Combines keys into one 32-bit seed; order matters. */
export function combineSeed(...keys: Array<number | string>): number {
  let h = 0x9e3779b9
  for (const k of keys) {
    const v = typeof k === 'string' ? hashString(k) : mix32((k | 0) ^ Math.floor(k / 0x100000000))
    h = mix32(h ^ (v + 0x9e3779b9 + ((h << 6) >>> 0) + (h >>> 2)))
  }
  return h
}

class Sfc32 implements Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare = NaN

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a >>> 0
    this.b = b >>> 0
    this.c = c >>> 0
    this.d = d >>> 0
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare
      this.spare = NaN
      return s
    }
    let u = 0
    while (u === 0) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list')
    return items[this.int(items.length)] as T
  }

  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d]
  }
}

/** An Rng from explicit keys, e.g. `rngFor(seed, 'catalog')`. Warmed up so close seeds diverge. */
export function rngFor(...keys: Array<number | string>): Rng {
  const s = combineSeed(...keys)
  const r = new Sfc32(s, mix32(s ^ 0x1b873593), mix32(s ^ 0xcc9e2d51), 1)
  for (let i = 0; i < 12; i++) r.next()
  return r
}

/**
 * The Rng of one agent in one round for one purpose. `stream` separates uses
 * (the policy's draw, the agent's draw, a task's surrogate) so adding a draw to one
 * never shifts another.
 *
 * @example
 * const rng = agentRng(run.seed, agentId, round, 'agent')
 */
export function agentRng(seed: number, agent: number, round: number, stream: string): Rng {
  return rngFor(seed, agent, round, stream)
}

/** Restores an Rng from `state()`. */
export function rngFromState(state: [number, number, number, number]): Rng {
  return new Sfc32(...state)
}
