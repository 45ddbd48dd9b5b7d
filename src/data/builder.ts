import type { DataFormat, Dataset, DatasetItem, DatasetUser, TagApplication } from './types.ts'
import { dataError } from './errors.ts'

/** Accumulates items, users and ratings with dense ids while a loader reads files. */
export class DatasetBuilder {
  readonly items: DatasetItem[] = []
  readonly users: DatasetUser[] = []
  private itemIndex = new Map<string, number>()
  private userIndex = new Map<string, number>()
  private u: number[] = []
  private i: number[] = []
  private v: number[] = []
  private t: number[] = []
  private seen = new Set<number>()
  readonly tagApplications: TagApplication[] = []

  constructor(
    readonly format: DataFormat,
    readonly source: string,
  ) {}

  addItem(item: DatasetItem, file: string, line: number): void {
    if (this.itemIndex.has(item.key)) throw dataError(file, line, `item id ${item.key} appears twice`)
    this.itemIndex.set(item.key, this.items.length)
    this.items.push(item)
  }

  itemId(key: string): number | undefined {
    return this.itemIndex.get(key)
  }

  /** The dense id of `key`, adding an item with no metadata when `create` is set. */
  itemOrCreate(key: string, create: boolean, file: string, line: number, itemsFile: string): number {
    const id = this.itemIndex.get(key)
    if (id !== undefined) return id
    if (!create) throw dataError(file, line, `item ${key} is not in ${itemsFile}`)
    this.addItem({ key, title: key, genres: [], tags: [] }, file, line)
    return this.items.length - 1
  }

  addUser(user: DatasetUser, file: string, line: number): void {
    if (this.userIndex.has(user.key)) throw dataError(file, line, `user id ${user.key} appears twice`)
    this.userIndex.set(user.key, this.users.length)
    this.users.push(user)
  }

  userId(key: string): number {
    let id = this.userIndex.get(key)
    if (id === undefined) {
      id = this.users.length
      this.userIndex.set(key, id)
      this.users.push({ key })
    }
    return id
  }

  /** The dense id of a known user, or -1. */
  knownUser(key: string): number {
    return this.userIndex.get(key) ?? -1
  }

  addRating(user: number, item: number, value: number, time: number, file: string, line: number): void {
    // Ids stay far below 2^26, so the pair packs exactly into one double.
    const pair = user * 67_108_864 + item
    if (this.seen.has(pair)) throw dataError(file, line, `user ${this.users[user]!.key} rated item ${this.items[item]!.key} twice`)
    this.seen.add(pair)
    this.u.push(user)
    this.i.push(item)
    this.v.push(value)
    this.t.push(time)
  }

  build(scale: Dataset['scale'], ratingsFile: string): Dataset {
    if (this.u.length === 0) throw dataError(ratingsFile, undefined, 'no ratings')
    this.seen.clear()
    return {
      format: this.format,
      source: this.source,
      items: this.items,
      users: this.users,
      ratings: {
        length: this.u.length,
        user: Int32Array.from(this.u),
        item: Int32Array.from(this.i),
        value: Float32Array.from(this.v),
        time: Float64Array.from(this.t),
      },
      tagApplications: this.tagApplications,
      scale,
    }
  }
}

/** `Toy Story (1995)` → `{ title: 'Toy Story (1995)', year: 1995 }`. */
export function yearOf(title: string): number | undefined {
  const m = /\((\d{4})(?:[-–]\d{0,4})?\)\s*$/.exec(title.trim())
  return m ? Number(m[1]) : undefined
}

/** Splits `Adventure|Comedy`; MovieLens writes `(no genres listed)` for none. */
export function genreList(s: string): string[] {
  return s
    .split('|')
    .map((g) => g.trim())
    .filter((g) => g !== '' && g !== '(no genres listed)')
}

/** Rejects ratings outside the scale, naming the file and line. */
export function checkScale(value: number, scale: Dataset['scale'], file: string, line: number): void {
  if (value < scale.min || value > scale.max) {
    throw dataError(file, line, `rating: expected ${scale.min}-${scale.max} (got ${value})`)
  }
}
