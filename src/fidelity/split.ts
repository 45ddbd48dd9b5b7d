import type { Dataset } from '../data/index.ts'

/** One user's rating rows, oldest first, cut in time into a training and a held-out part. */
export interface UserSplit {
  user: number
  /** Row indexes into `dataset.ratings`, oldest first. */
  train: Int32Array
  test: Int32Array
  /** Time of the last training rating: nothing at or after it informs calibration for this user. */
  cutoff: number
}

export interface SplitOptions {
  /** Share of each user's ratings, oldest first, used for calibration. */
  trainFraction: number
  /** Users with fewer ratings are kept whole in training and get no held-out part. */
  minRatings: number
}

export const SPLIT_DEFAULTS: SplitOptions = { trainFraction: 0.8, minRatings: 5 }

/**
 * The time-ordered split (Agent4Rec/SimUSER): each user's earlier ratings calibrate
 * the persona, the later ones are held out. Ties in time break on item id so the split
 * is deterministic.
 *
 * @example
 * const splits = splitByTime(data)            // 80 % oldest → train, newest 20 % → test
 */
export function splitByTime(data: Dataset, opts: Partial<SplitOptions> = {}): UserSplit[] {
  const o = { ...SPLIT_DEFAULTS, ...opts }
  const { user, item, time, length } = data.ratings
  const byUser: number[][] = data.users.map(() => [])
  for (let k = 0; k < length; k++) byUser[user[k]!]!.push(k)
  return byUser.map((rows, u) => {
    rows.sort((a, b) => time[a]! - time[b]! || item[a]! - item[b]!)
    const nTrain = rows.length < o.minRatings ? rows.length : Math.max(1, Math.round(rows.length * o.trainFraction))
    const train = Int32Array.from(rows.slice(0, nTrain))
    return {
      user: u,
      train,
      test: Int32Array.from(rows.slice(nTrain)),
      cutoff: train.length ? time[train[train.length - 1]!]! : -Infinity,
    }
  })
}
