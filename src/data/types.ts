/**
 * A loaded interaction dataset, whatever its on-disk format. Users and items are
 * renumbered densely (position = index); ratings are columnar so a million rows stay
 * a few typed arrays.
 */

/** The on-disk formats the loaders read. */
export type DataFormat = 'latest' | '100k' | '1m' | 'csv'

export const DATA_FORMATS: readonly DataFormat[] = ['latest', '100k', '1m', 'csv']

export interface DatasetItem {
  /** The item's id in the source files. */
  key: string
  title: string
  /** Genres or other categorical attributes, in file order. */
  genres: string[]
  /** Free-text tags users attached (MovieLens tags.csv), lower-cased, most used first. */
  tags: string[]
  year?: number
}

export interface DatasetUser {
  key: string
  age?: number
  gender?: string
  occupation?: string
}

/** Ratings in columns; row k is (user[k], item[k], value[k], time[k]). */
export interface RatingColumns {
  length: number
  user: Int32Array
  item: Int32Array
  value: Float32Array
  /** Unix seconds. */
  time: Float64Array
}

export interface Dataset {
  format: DataFormat
  /** The directory it was read from. */
  source: string
  items: DatasetItem[]
  users: DatasetUser[]
  ratings: RatingColumns
  /** Who put which free-text tag on which item and when (MovieLens tags.csv); user -1 if the tagger rated nothing. */
  tagApplications: TagApplication[]
  /** The rating scale the source uses (MovieLens latest has half stars). */
  scale: { min: number; max: number; step: number }
}

export interface TagApplication {
  user: number
  item: number
  /** Lower-cased, trimmed. */
  tag: string
  time: number
}
