import { mix32, rngFor } from '../core/index.ts'
import { subset, type UpliftTable } from './dataset.ts'
import type { ExternalUpliftModel } from './http-model.ts'
import { fitUplift, LEARNER_LABEL, predictUplift, type BaseName, type LearnerName, type UpliftModel } from './learners.ts'
import { scoreUplift, type UpliftScores } from './metrics.ts'
import { adversarialCopies, featureSpread, perturb, rankFeatures, sensitivity, type FeatureSensitivity, type PerturbSpec, type Sensitivity } from './sensitivity.ts'

export interface EvalOptions {
  learners: LearnerName[]
  base: BaseName
  /** Share of units (agents) held out for testing. */
  testShare: number
  seed: number
  external?: ExternalUpliftModel
  /** Run the sensitivity test (and the desensitised variant when `robust`). */
  sensitivity: boolean
  robust: boolean
  perturb: PerturbSpec
  /** Key features: given (indices) or the `keyCount` most sensitive. */
  keyFeatures?: number[]
  keyCount: number
  repeats: number
  /** Report progress (a label) as the evaluation goes. */
  progress?: (what: string) => void
}

export interface ModelResult extends UpliftScores {
  name: string
}

export interface EvalResult {
  data: { file: string; outcome: string; rows: number; train: number; test: number; features: number; treatedShare: number; trueAte?: number }
  models: ModelResult[]
  /** The model whose features are ranked (the external one when given, else the first learner). */
  sensitivity?: {
    model: string
    perturb: PerturbSpec
    features: (FeatureSensitivity & { name: string })[]
    key: string[]
    /** Perturbing the key subset together, per model. */
    keySubset: ({ model: string } & Sensitivity)[]
  }
  robust?: {
    model: string
    key: string[]
    variants: { variant: 'plain' | 'desensitised'; clean: UpliftScores; perturbed: UpliftScores; signFlip: number; decileFlip: number }[]
  }
}

const label = (l: LearnerName, b: BaseName) => `${LEARNER_LABEL[l]} (${b})`

/** Test rows: a seeded share of units (agent_id) when known, else of rows. */
export function splitTable(tb: UpliftTable, testShare: number, seed: number): { train: number[]; test: number[] } {
  const train: number[] = []
  const test: number[] = []
  for (let i = 0; i < tb.x.length; i++) {
    const unit = tb.unit ? tb.unit[i]! : i
    ;(mix32(unit ^ mix32(seed ^ 0x2f6b5c1d)) / 4294967296 < testShare ? test : train).push(i)
  }
  return { train, test }
}

/**
 * `usersim eval uplift`: fits the built-in learners on the training units, scores them (and
 * an external model) on the test units against the observed outcomes and, where the data
 * has them, the exact effects; then RUAD's sensitivity test and the desensitised variant.
 */
export async function evaluateUplift(tb: UpliftTable, o: EvalOptions): Promise<EvalResult> {
  const { train: trIdx, test: teIdx } = splitTable(tb, o.testShare, o.seed)
  const train = subset(tb, trIdx)
  const test = subset(tb, teIdx)
  const binary = [...tb.y].every((v) => v === 0 || v === 1)
  const predictors: { name: string; predict: (x: readonly ArrayLike<number>[]) => Promise<Float64Array> | Float64Array; model?: UpliftModel; learner?: LearnerName }[] = []
  if (o.external) predictors.push({ name: `${o.external.info.name} (external)`, predict: (x) => o.external!.predict(x) })
  for (const l of o.learners) {
    o.progress?.(`fitting the ${label(l, o.base)}`)
    const model = fitUplift(l, train, { base: o.base, binary })
    predictors.push({ name: label(l, o.base), predict: (x) => predictUplift(model, x), model, learner: l })
  }
  const models: ModelResult[] = []
  for (const p of predictors) {
    o.progress?.(`scoring ${p.name}`)
    models.push({ name: p.name, ...scoreUplift(await p.predict(test.x), test.y, test.t, test.tau, test.cate) })
  }
  // References: one uplift for everyone (the training difference in means: the PEHE a model must beat), and the oracle.
  const mean = (arm: number) => {
    let s = 0
    let n = 0
    for (let i = 0; i < train.y.length; i++) if (train.t[i] === arm) (s += train.y[i]!, n++)
    return n ? s / n : 0
  }
  const ate = mean(1) - mean(0)
  models.push({ name: 'constant (training ATE)', ...scoreUplift(new Float64Array(test.y.length).fill(ate), test.y, test.t, test.tau, test.cate) })
  if (test.cate) models.push({ name: 'oracle (true expected effect)', ...scoreUplift(test.cate, test.y, test.t, test.tau, test.cate) })
  const result: EvalResult = {
    data: {
      file: tb.file,
      outcome: tb.outcome,
      rows: tb.x.length,
      train: train.x.length,
      test: test.x.length,
      features: tb.features.length,
      treatedShare: tb.t.reduce((s, v) => s + v, 0) / tb.t.length,
      trueAte: test.tau ? test.tau.reduce((s, v) => s + v, 0) / test.tau.length : undefined,
    },
    models,
  }
  if (!o.sensitivity || !predictors.length) return result

  const sd = featureSpread(train.x)
  const rows = { x: test.x, t: test.t, y: test.y, tau: test.tau }
  const lead = predictors[0]!
  o.progress?.(`perturbing each feature of ${lead.name}`)
  const ranked = await rankFeatures(lead.predict, rows, o.perturb, sd, o.seed, o.repeats)
  const key = o.keyFeatures ?? ranked.slice(0, o.keyCount).map((r) => r.feature)
  const keySubset: ({ model: string } & Sensitivity)[] = []
  for (const p of predictors) {
    o.progress?.(`perturbing the key features of ${p.name}`)
    keySubset.push({ model: p.name, ...(await sensitivity(p.predict, rows, key, o.perturb, sd, o.seed, o.repeats)) })
  }
  result.sensitivity = {
    model: lead.name,
    perturb: o.perturb,
    features: ranked.map((r) => ({ ...r, name: tb.features[r.feature]! })),
    key: key.map((j) => tb.features[j]!),
    keySubset,
  }
  if (!o.robust) return result

  // Desensitised variant of the first built-in learner: train on rows + adversarial copies of the key features.
  const target = predictors.find((p) => p.model)
  if (!target) return result
  o.progress?.(`desensitising ${target.name}`)
  const copies = await adversarialCopies(target.predict, train.x, key, o.perturb, sd, o.seed)
  const robustModel = fitUplift(target.learner!, { x: [...train.x, ...copies], t: [...train.t, ...train.t], y: [...train.y, ...train.y], e: [...train.e, ...train.e] }, { base: o.base, binary })
  const variants: NonNullable<EvalResult['robust']>['variants'] = []
  for (const [variant, predict] of [
    ['plain', target.predict],
    ['desensitised', (x: readonly ArrayLike<number>[]) => predictUplift(robustModel, x)],
  ] as const) {
    const clean = await predict(test.x)
    const s = await sensitivity(predict, rows, key, o.perturb, sd, o.seed, o.repeats, clean)
    // The perturbed scores: one seeded draw (the first repeat's), for the table.
    const xp = perturb(test.x, key, o.perturb, sd, rngFor(o.seed, 'perturb', key.join('-'), 0))
    variants.push({
      variant,
      clean: scoreUplift(clean, test.y, test.t, test.tau, test.cate),
      perturbed: scoreUplift(await predict(xp), test.y, test.t, test.tau, test.cate),
      signFlip: s.signFlip,
      decileFlip: s.decileFlip,
    })
  }
  result.robust = { model: target.name, key: key.map((j) => tb.features[j]!), variants }
  return result
}
