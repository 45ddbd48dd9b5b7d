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
  // Ablations: drop one term of the watch logit (no refit) to see what carries alignment.
  const noTaste = await evaluateFidelity({ ...cal, watch: { ...cal.watch, utility: 0 } }, await createTaskRunner(), { ratios: [1], seed: 42 })
  const noPop = await evaluateFidelity({ ...cal, watch: { ...cal.watch, popularity: 0, popularityByConformity: 0 } }, await createTaskRunner(), { ratios: [1], seed: 42 })
  // Negatives in proportion to popularity: what the persona's taste adds beyond mainstreamness.
  const popular = await evaluateFidelity(cal, await createTaskRunner(), { ratios: [1], seed: 42, negatives: 'popular' })
  const popularNoTaste = await evaluateFidelity({ ...cal, watch: { ...cal.watch, utility: 0 } }, await createTaskRunner(), { ratios: [1], seed: 42, negatives: 'popular' })
  // Rating baseline: every user answers their own mean rating.
  const R = data.ratings
  let se = 0
  let n = 0
  for (const s of cal.splits) for (const k of s.test) (se += (R.value[k]! - Math.round(cal.personas[s.user]!.rating.mean * 2) / 2) ** 2), n++
  const meanRmse = Math.sqrt(se / n)
  console.log(`   ml-latest-small: ${data.ratings.length.toLocaleString('en-US')} ratings loaded in ${(loadMs / 1000).toFixed(2)} s, calibrated in ${(calibrateMs / 1000).toFixed(2)} s, evaluated ${r.usersEvaluated} users in ${(evalMs / 1000).toFixed(2)} s`)
  for (const x of r.ratios) console.log(`   ${x.ratio}: accuracy ${x.accuracy.toFixed(3)}  precision ${x.precision.toFixed(3)}  recall ${x.recall.toFixed(3)}  F1 ${x.f1.toFixed(3)}`)
  console.log(`   held-out ratings: RMSE ${r.rating.rmse.toFixed(3)}  MAE ${r.rating.mae.toFixed(3)}  distribution EMD ${r.rating.distribution.emd.toFixed(3)}`)
  console.log(`   ablations at 1:1: without the rating-fitted utility (popularity, favourite genres, activity) ${noTaste.ratios[0]!.accuracy.toFixed(3)}; without popularity ${noPop.ratios[0]!.accuracy.toFixed(3)}; rating RMSE of the user's mean alone ${meanRmse.toFixed(3)}`)
  console.log(`   popularity-matched negatives at 1:1: accuracy ${popular.ratios[0]!.accuracy.toFixed(3)} (without taste ${popularNoTaste.ratios[0]!.accuracy.toFixed(3)})`)
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
    fidelityAccuracy1to1NoTaste: noTaste.ratios[0]!.accuracy,
    fidelityAccuracy1to1NoPopularity: noPop.ratios[0]!.accuracy,
    fidelityAccuracy1to1PopularNegatives: popular.ratios[0]!.accuracy,
    fidelityAccuracy1to1PopularNegativesNoTaste: popularNoTaste.ratios[0]!.accuracy,
    fidelityRmseUserMeanOnly: Math.round(meanRmse * 1e4) / 1e4,
  }
}
