/**
 * A small gradient-boosted tree model (histogram splits, level-wise trees, squared or
 * logistic loss). Pure TypeScript, no dependency; the model is plain data (structured-
 * cloneable, JSON-serialisable) so a policy can keep it in its state.
 */

export interface GbdtOptions {
  loss: 'squared' | 'logistic'
  trees: number
  depth: number
  learningRate: number
  /** Fewest (weighted) rows in a leaf. */
  minLeaf: number
  /** Quantile bins per feature. */
  bins: number
  /** L2 penalty on leaf values. */
  l2: number
}

export const GBDT_DEFAULTS: GbdtOptions = { loss: 'logistic', trees: 60, depth: 3, learningRate: 0.1, minLeaf: 20, bins: 32, l2: 1 }

/** One tree, as parallel arrays; a node with feature -1 is a leaf. */
export interface Tree {
  feature: number[]
  threshold: number[]
  left: number[]
  right: number[]
  value: number[]
}

export interface GbdtModel {
  kind: 'gbdt'
  loss: 'squared' | 'logistic'
  base: number
  learningRate: number
  trees: Tree[]
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/** Quantile thresholds of one feature (at most `bins - 1` distinct cut points). */
function cutsOf(col: ArrayLike<number>, bins: number): number[] {
  const n = col.length
  const step = Math.max(1, Math.floor(n / 20000))
  const sample: number[] = []
  for (let i = 0; i < n; i += step) sample.push(col[i]!)
  sample.sort((a, b) => a - b)
  const cuts: number[] = []
  for (let b = 1; b < bins; b++) {
    const v = sample[Math.min(sample.length - 1, Math.floor((b * sample.length) / bins))]!
    if (!cuts.length || v > cuts[cuts.length - 1]!) cuts.push(v)
  }
  // A cut equal to the maximum splits nothing off.
  while (cuts.length && cuts[cuts.length - 1]! >= sample[sample.length - 1]!) cuts.pop()
  return cuts
}

function binOf(cuts: number[], v: number): number {
  let lo = 0
  let hi = cuts.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (v <= cuts[mid]!) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * Fits a model on columns `cols` (one array per feature) and targets `y`, optionally weighted.
 *
 * @example
 * const m = fitGbdt([x0, x1], y, { loss: 'logistic' })
 * const p = predictGbdt(m, [1.5, 0])   // a probability for logistic loss
 */
export function fitGbdt(cols: readonly ArrayLike<number>[], y: ArrayLike<number>, options: Partial<GbdtOptions> = {}, weights?: ArrayLike<number>): GbdtModel {
  const o = { ...GBDT_DEFAULTS, ...options }
  const n = y.length
  const d = cols.length
  const w = weights ?? new Float64Array(n).fill(1)
  let sw = 0
  let swy = 0
  for (let i = 0; i < n; i++) {
    sw += w[i]!
    swy += w[i]! * y[i]!
  }
  const mean = sw > 0 ? swy / sw : 0
  const base = o.loss === 'logistic' ? Math.log(Math.min(0.999, Math.max(0.001, mean)) / (1 - Math.min(0.999, Math.max(0.001, mean)))) : mean
  const cuts = cols.map((c) => cutsOf(c, o.bins))
  const binned = cols.map((c, f) => {
    const b = new Uint8Array(n)
    for (let i = 0; i < n; i++) b[i] = binOf(cuts[f]!, c[i]!)
    return b
  })
  const F = new Float64Array(n).fill(base)
  const g = new Float64Array(n)
  const h = new Float64Array(n)
  const trees: Tree[] = []
  const all = new Int32Array(n)
  for (let i = 0; i < n; i++) all[i] = i
  const maxBins = Math.max(1, ...cuts.map((c) => c.length + 1))
  const hg = new Float64Array(maxBins)
  const hh = new Float64Array(maxBins)
  const hw = new Float64Array(maxBins)

  for (let t = 0; t < o.trees; t++) {
    for (let i = 0; i < n; i++) {
      if (o.loss === 'logistic') {
        const p = sigmoid(F[i]!)
        g[i] = w[i]! * (p - y[i]!)
        h[i] = w[i]! * Math.max(1e-6, p * (1 - p))
      } else {
        g[i] = w[i]! * (F[i]! - y[i]!)
        h[i] = w[i]!
      }
    }
    const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] }
    const grow = (rows: Int32Array, depth: number): number => {
      const id = tree.feature.length
      tree.feature.push(-1)
      tree.threshold.push(0)
      tree.left.push(-1)
      tree.right.push(-1)
      let G = 0
      let H = 0
      let W = 0
      for (const i of rows) {
        G += g[i]!
        H += h[i]!
        W += w[i]!
      }
      tree.value.push(-G / (H + o.l2))
      if (depth >= o.depth || W < 2 * o.minLeaf) return id
      let best = { gain: 1e-9, f: -1, b: -1 }
      const parent = (G * G) / (H + o.l2)
      for (let f = 0; f < d; f++) {
        const nb = cuts[f]!.length + 1
        if (nb < 2) continue
        hg.fill(0, 0, nb)
        hh.fill(0, 0, nb)
        hw.fill(0, 0, nb)
        const bf = binned[f]!
        for (const i of rows) {
          const b = bf[i]!
          hg[b]! += g[i]!
          hh[b]! += h[i]!
          hw[b]! += w[i]!
        }
        let gl = 0
        let hl = 0
        let wl = 0
        for (let b = 0; b < nb - 1; b++) {
          gl += hg[b]!
          hl += hh[b]!
          wl += hw[b]!
          if (wl < o.minLeaf || W - wl < o.minLeaf) continue
          const gr = G - gl
          const hr = H - hl
          const gain = (gl * gl) / (hl + o.l2) + (gr * gr) / (hr + o.l2) - parent
          if (gain > best.gain) best = { gain, f, b }
        }
      }
      if (best.f < 0) return id
      const bf = binned[best.f]!
      let nl = 0
      for (const i of rows) if (bf[i]! <= best.b) nl++
      const L = new Int32Array(nl)
      const R = new Int32Array(rows.length - nl)
      let a = 0
      let c = 0
      for (const i of rows) {
        if (bf[i]! <= best.b) L[a++] = i
        else R[c++] = i
      }
      tree.feature[id] = best.f
      tree.threshold[id] = cuts[best.f]![best.b]!
      tree.left[id] = grow(L, depth + 1)
      tree.right[id] = grow(R, depth + 1)
      return id
    }
    grow(all, 0)
    for (let i = 0; i < n; i++) {
      let node = 0
      while (tree.feature[node]! >= 0) node = cols[tree.feature[node]!]![i]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!
      F[i]! += o.learningRate * tree.value[node]!
    }
    trees.push(tree)
  }
  return { kind: 'gbdt', loss: o.loss, base, learningRate: o.learningRate, trees }
}

/** The raw score (log-odds for logistic loss) of one row. */
export function rawGbdt(m: GbdtModel, x: ArrayLike<number>): number {
  let s = m.base
  for (const t of m.trees) {
    let node = 0
    while (t.feature[node]! >= 0) node = x[t.feature[node]!]! <= t.threshold[node]! ? t.left[node]! : t.right[node]!
    s += m.learningRate * t.value[node]!
  }
  return s
}

/** The prediction of one row: a probability (logistic) or a value (squared). */
export function predictGbdt(m: GbdtModel, x: ArrayLike<number>): number {
  const s = rawGbdt(m, x)
  return m.loss === 'logistic' ? sigmoid(s) : s
}
