import { SimError } from '../core/index.ts'

/** A malformed-data error that names the file and line, e.g. `ratings.csv:12: rating: expected a number`. */
export function dataError(file: string, line: number | undefined, message: string): SimError {
  return new SimError('DATA_INVALID', `${file}${line !== undefined ? `:${line}` : ''}: ${message}`)
}
