// Fidelity on MovieLens latest-small with the surrogate: Agent4Rec's protocol at 1:1,
// 1:3 and 1:9 on every user with a held-out liked film, plus load and calibration time.
// Run alone: `npm run bench -- fidelity`.
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { loadDataset } from '../src/data/index.ts'
import { calibrate } from '../src/fidelity/calibrate.ts'
import { evaluateFidelity } from '../src/fidelity/protocol.ts'
import { PUBLISHED } from '../src/fidelity/report.ts'
import { createTaskRunner } from '../src/llm/create-runner.ts'

const ML = join(fileURLToPath(new URL('../', import.meta.url)), '../shared/data/ml-latest-small')

export async function bench(): Promise<Record<string, unknown>> {
  let t = performance.now()
  const data = loadDataset(ML)
  const loadMs = performance.now() - t
  t = performance.now()
  const cal = calibrate(data, { seed: 42 })
  const calibrateMs = performance.now() - t
  t = performance.now()
  const r = await evaluateFidelity(cal, await createTaskRunner(), { ratios: [1, 3, 9], seed: 42 })
  const evalMs = performance.now() - t
  const at = (ratio: string) => r.ratios.find((x) => x.ratio === ratio)!
  // Ablations: drop one term of the watch logit (no refit) to see what carries alignment,
  // with each kind of negatives (the judge is fitted, on the inner split, for the kind it meets).
  const popularCal = calibrate(data, { seed: 42, negatives: 'popular' })
  const ablate = async (c: typeof cal, negatives: 'uniform' | 'popular') => {
    const at1 = async (watch: typeof cal.watch) => (await evaluateFidelity({ ...c, watch }, await createTaskRunner(), { ratios: [1], seed: 42, negatives })).ratios[0]!
    const full = await at1(c.watch)
    return {
      full: full.accuracy,
      popularityJudge: full.popularityJudge.accuracy,
      noTaste: (await at1({ ...c.watch, utility: 0 })).accuracy,
      noPopularity: (await at1({ ...c.watch, popularity: 0, popularityByConformity: 0 })).accuracy,
      noCoConsumption: (await at1({ ...c.watch, recent: 0 })).accuracy,
      noTrend: (await at1({ ...c.watch, trend: 0 })).accuracy,
    }
  }
  const uniformAblation = await ablate(cal, 'uniform')
  const popularAblation = await ablate(popularCal, 'popular')
  // The judge fitted for the other kind of negatives: what calibrating per protocol buys.
  const crossPopular = (await evaluateFidelity(cal, await createTaskRunner(), { ratios: [1], seed: 42, negatives: 'popular' })).ratios[0]!.accuracy
  const crossUniform = (await evaluateFidelity(popularCal, await createTaskRunner(), { ratios: [1], seed: 42, negatives: 'uniform' })).ratios[0]!.accuracy
  // A second split, nothing refitted by hand.
  const second = async (negatives: 'uniform' | 'popular') =>
    (await evaluateFidelity(calibrate(data, { seed: 7, split: { trainFraction: 0.7 }, negatives }), await createTaskRunner(), { ratios: [1], seed: 7, negatives })).ratios[0]!
  const secondUniform = await second('uniform')
  const secondPopular = await second('popular')
  // Rating baseline: every user answers their own mean rating.
  const R = data.ratings
  let se = 0
  let n = 0
  for (const s of cal.splits) for (const k of s.test) (se += (R.value[k]! - Math.round(cal.personas[s.user]!.rating.mean * 2) / 2) ** 2), n++
  const meanRmse = Math.sqrt(se / n)
  console.log(`   ml-latest-small: ${data.ratings.length.toLocaleString('en-US')} ratings loaded in ${(loadMs / 1000).toFixed(2)} s, calibrated in ${(calibrateMs / 1000).toFixed(2)} s, evaluated ${r.usersEvaluated} users in ${(evalMs / 1000).toFixed(2)} s`)
  for (const x of r.ratios) console.log(`   ${x.ratio}: accuracy ${x.accuracy.toFixed(3)}  precision ${x.precision.toFixed(3)}  recall ${x.recall.toFixed(3)}  F1 ${x.f1.toFixed(3)}`)
  console.log(`   held-out ratings: RMSE ${r.rating.rmse.toFixed(3)}  MAE ${r.rating.mae.toFixed(3)}  distribution EMD ${r.rating.distribution.emd.toFixed(3)}`)
  const row = (a: typeof uniformAblation) =>
    `${a.full.toFixed(3)} (popularity-only judge ${a.popularityJudge.toFixed(3)}; without taste ${a.noTaste.toFixed(3)}, popularity ${a.noPopularity.toFixed(3)}, co-consumption ${a.noCoConsumption.toFixed(3)}, trend ${a.noTrend.toFixed(3)})`
  console.log(`   1:1 uniform negatives: ${row(uniformAblation)}`)
  console.log(`   1:1 popularity-matched negatives: ${row(popularAblation)}`)
  console.log(`   judge fitted for the other kind: uniform-fitted on popular negatives ${crossPopular.toFixed(3)}, popular-fitted on uniform ${crossUniform.toFixed(3)}`)
  console.log(`   second split (70/30, seed 7) at 1:1: uniform ${secondUniform.accuracy.toFixed(3)} (popularity-only ${secondUniform.popularityJudge.accuracy.toFixed(3)}), popular ${secondPopular.accuracy.toFixed(3)} (popularity-only ${secondPopular.popularityJudge.accuracy.toFixed(3)})`)
  console.log(`   rating RMSE of the user's mean alone ${meanRmse.toFixed(3)}`)
  console.log(`   published: Agent4Rec ${PUBLISHED.agent4rec.accuracy} / RMSE ${PUBLISHED.agent4rec.rmse}; SimUSER ${PUBLISHED.simuser.accuracy} / RMSE ${PUBLISHED.simuser.rmse}`)
  return {
    fidelityLoadMs: Math.round(loadMs),
    fidelityCalibrateMs: Math.round(calibrateMs),
    fidelityEvalMs: Math.round(evalMs),
    fidelityUsers: r.usersEvaluated,
    fidelityAccuracy1to1: at('1:1').accuracy,
    fidelityF1_1to1: at('1:1').f1,
    fidelityAccuracy1to3: at('1:3').accuracy,
    fidelityAccuracy1to9: at('1:9').accuracy,
    fidelityRmse: r.rating.rmse,
    fidelityMae: r.rating.mae,
    fidelityRatingEmd: r.rating.distribution.emd,
    fidelityAblationUniform1to1: uniformAblation,
    fidelityAblationPopular1to1: popularAblation,
    fidelityCrossUniformFitOnPopular: crossPopular,
    fidelityCrossPopularFitOnUniform: crossUniform,
    fidelitySecondSplitUniform1to1: secondUniform.accuracy,
    fidelitySecondSplitPopular1to1: secondPopular.accuracy,
    fidelityRmseUserMeanOnly: Math.round(meanRmse * 1e4) / 1e4,
  }
}
