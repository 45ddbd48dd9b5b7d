import { dataError } from './errors.ts'

/** One parsed record and the (1-based) line it starts on. */
export interface CsvRecord {
  line: number
  fields: string[]
}

/**
 * Parses RFC 4180 CSV: quoted fields may hold the delimiter, doubled quotes and
 * newlines (MovieLens titles such as `"American President, The (1995)"`). Blank lines
 * are skipped. A quote left open at the end of the file is an error naming its line.
 * Lines without a quote take a plain split (most of a ratings file).
 *
 * @example
 * for (const { line, fields } of parseCsv(text, 'movies.csv')) console.log(line, fields)
 */
export function* parseCsv(text: string, file: string, delimiter = ','): Generator<CsvRecord> {
  const n = text.length
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  while (i < n) {
    let end = text.indexOf('\n', i)
    if (end < 0) end = n
    const stop = end > i && text.charCodeAt(end - 1) === 13 ? end - 1 : end
    const raw = text.slice(i, stop)
    if (raw.indexOf('"') < 0) {
      if (raw.trim() !== '') yield { line, fields: raw.split(delimiter) }
      i = end + 1
      line++
      continue
    }
    const start = line
    const r = quotedRecord(text, i, line, file, delimiter)
    i = r.next
    line = r.line
    yield { line: start, fields: r.fields }
  }
}

/** Parses one record that contains quotes, possibly spanning lines. */
function quotedRecord(text: string, i: number, line: number, file: string, delimiter: string) {
  const n = text.length
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (;;) {
    const c = text[i]
    if (c === '"' && field === '' && !quoted) {
      quoted = true
      i++
      const open = line
      for (;;) {
        if (i >= n) throw dataError(file, open, 'unterminated quoted field')
        const q = text[i]!
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        if (q === '\n') line++
        field += q
        i++
      }
      continue
    }
    if (i >= n || c === '\n' || c === '\r') {
      fields.push(field)
      if (c === '\r' && text[i + 1] === '\n') i++
      return { fields, next: i + 1, line: line + 1 }
    }
    if (c === delimiter) {
      fields.push(field)
      field = ''
      quoted = false
      i++
      continue
    }
    if (quoted) throw dataError(file, line, 'unexpected character after a closing quote')
    field += c
    i++
  }
}

/**
 * Splits a file on a fixed separator with no quoting (MovieLens 100K `\t` and `|`,
 * 1M `::`). Blank lines are skipped.
 */
export function* splitLines(text: string, separator: string): Generator<CsvRecord> {
  const lines = text.split(/\r?\n/)
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k]!
    if (l.trim() === '') continue
    yield { line: k + 1, fields: l.split(separator) }
  }
}
