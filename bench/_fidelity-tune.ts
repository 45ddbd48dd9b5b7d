// How the rating model's penalties were chosen: RMSE on an inner validation split carved
// from the TRAINING part only (each user's newest 20 % of training ratings), never on the
// held-out part. Not a benchmark (bench/run.ts skips files starting with _). Usage:
//   npx tsx bench/_fidelity-tune.ts '[{"lambdaTaste":6},{"lambdaTaste":20,"lambdaItem":20}]'
import { loadDataset } from '../src/data/index.ts'
import { splitByTime } from '../src/fidelity/split.ts'
import { fitRatingModel, predictRating } from '../src/fidelity/rating-model.ts'
const d = loadDataset(new URL('../../shared/data/ml-latest-small', import.meta.url).pathname)
const S = splitByTime(d)
const inner = S.map((s) => { const n = s.train.length < 5 ? s.train.length : Math.max(1, Math.round(s.train.length * 0.8)); return { ...s, train: s.train.slice(0, n), test: s.train.slice(n) } })
const R = d.ratings
const grid = JSON.parse(process.argv[2]!) as Record<string, number>[]
for (const args of grid) {
  const m = fitRatingModel(d, inner, args)
  let e = 0, n = 0
  for (const s of inner) for (const k of s.test) { const p = Math.min(5, Math.max(0.5, predictRating(m, s.user, R.item[k]!))); e += (R.value[k]! - p) ** 2; n++ }
  console.log(JSON.stringify(args), 'val rmse', Math.sqrt(e / n).toFixed(4))
}
