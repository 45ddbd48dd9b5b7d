import { definePolicy, topK, type Policy } from '../../src/core/index.ts'
import { consumedSnapshot, excludedFor, recordConsumed, type Consumed, type ConsumedSnapshot } from './consumed.ts'

export interface BprOptions {
  factors?: number
  learningRate?: number
  regularization?: number
  /** SGD samples per round, as a multiple of the positives seen so far (capped by maxSamples). */
  epochs?: number
  maxSamples?: number
}

export interface BprState {
  dim: number
  users: Float32Array
  items: Float32Array
  bias: Float32Array
  /** Positive (user, item) pairs seen so far, flattened. */
  positives: Int32Array
  count: number
  options: Required<BprOptions>
  consumed: Consumed
}

export interface BprSnapshot {
  dim: number
  users: Float32Array
  items: Float32Array
  bias: Float32Array
  consumed: ConsumedSnapshot
}

/**
 * Matrix factorisation trained with BPR between rounds on the simulated clicks
 * (uniform negative sampling). Item biases start at log prior popularity, so an
 * untrained model behaves like most-popular.
 */
export function bprPolicy(options: BprOptions = {}): Policy<BprState, BprSnapshot> {
  const opts: Required<BprOptions> = {
    factors: options.factors ?? 16,
    learningRate: options.learningRate ?? 0.05,
    regularization: options.regularization ?? 0.01,
    epochs: options.epochs ?? 10,
    maxSamples: options.maxSamples ?? 1_500_000,
  }
  return definePolicy({
    name: 'bpr',
    init: (ctx) => {
      const d = opts.factors
      // Deterministic small init without an Rng: a hash of the index.
      const init = (n: number, salt: number) =>
        Float32Array.from({ length: n }, (_, i) => ((Math.imul(i + salt, 2654435761) >>> 0) / 4294967296 - 0.5) * 0.1)
      return {
        dim: d,
        users: init(ctx.agents * d, ctx.seed),
        items: init(ctx.catalog.items.length * d, ctx.seed + 7),
        bias: Float32Array.from(ctx.catalog.items, (it) => 0.5 * Math.log(it.popularity * ctx.catalog.items.length)),
        positives: new Int32Array(1024),
        count: 0,
        options: opts,
        consumed: new Map(),
      }
    },
    snapshot: (s) => ({ dim: s.dim, users: s.users, items: s.items, bias: s.bias, consumed: consumedSnapshot(s.consumed) }),
    recommend: (snap, user, k, _rng, ctx) => {
      const n = ctx.catalog.items.length
      const d = snap.dim
      const V = snap.items
      const B = snap.bias
      // Copy the user's factors out once: the inner loop then reads one array only.
      const u = snap.users.slice(user.id * d, user.id * d + d)
      const scores = new Float32Array(n)
      if (d === 16) {
        // The default size, unrolled: full-catalog scoring is the policy's hot loop.
        const [u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15] = u as unknown as number[]
        for (let i = 0, io = 0; i < n; i++, io += 16) {
          scores[i] =
            B[i]! + u0! * V[io]! + u1! * V[io + 1]! + u2! * V[io + 2]! + u3! * V[io + 3]! + u4! * V[io + 4]! + u5! * V[io + 5]! +
            u6! * V[io + 6]! + u7! * V[io + 7]! + u8! * V[io + 8]! + u9! * V[io + 9]! + u10! * V[io + 10]! + u11! * V[io + 11]! +
            u12! * V[io + 12]! + u13! * V[io + 13]! + u14! * V[io + 14]! + u15! * V[io + 15]!
        }
      } else {
        for (let i = 0, io = 0; i < n; i++, io += d) {
          let s = B[i]!
          for (let f = 0; f < d; f++) s += u[f]! * V[io + f]!
          scores[i] = s
        }
      }
      return topK(scores, k, excludedFor(snap.consumed, user.id, user.history))
    },
    learn: (s, feedback, ctx) => {
      let { positives, count } = s
      for (const it of feedback.interactions) {
        for (const c of it.clicks) {
          if (count * 2 + 2 > positives.length) {
            const grown = new Int32Array(positives.length * 2)
            grown.set(positives)
            positives = grown
          }
          positives[count * 2] = it.agent
          positives[count * 2 + 1] = c
          count++
        }
      }
      const consumed = recordConsumed(s.consumed, feedback)
      if (count === 0) return { ...s, positives, count, consumed }
      const users = Float32Array.from(s.users)
      const items = Float32Array.from(s.items)
      const bias = Float32Array.from(s.bias)
      const { learningRate: lr, regularization: reg } = s.options
      const d = s.dim
      const nItems = bias.length
      const samples = Math.min(s.options.maxSamples, Math.ceil(count * s.options.epochs))
      for (let t = 0; t < samples; t++) {
        const p = ctx.rng.int(count)
        const u = positives[p * 2]!
        const i = positives[p * 2 + 1]!
        const j = ctx.rng.int(nItems)
        if (j === i) continue
        let x = bias[i]! - bias[j]!
        for (let f = 0; f < d; f++) x += users[u * d + f]! * (items[i * d + f]! - items[j * d + f]!)
        const g = 1 / (1 + Math.exp(x))
        bias[i]! += lr * (g - reg * bias[i]!)
        bias[j]! += lr * (-g - reg * bias[j]!)
        for (let f = 0; f < d; f++) {
          const uf = users[u * d + f]!
          const if_ = items[i * d + f]!
          const jf = items[j * d + f]!
          users[u * d + f] = uf + lr * (g * (if_ - jf) - reg * uf)
          items[i * d + f] = if_ + lr * (g * uf - reg * if_)
          items[j * d + f] = jf + lr * (-g * uf - reg * jf)
        }
      }
      return { ...s, users, items, bias, positives, count, consumed }
    },
  })
}
