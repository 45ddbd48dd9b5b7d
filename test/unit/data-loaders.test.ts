import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { detectFormat, loadDataset, parseCsv } from '../../src/data/index.ts'

const FIX = join(import.meta.dirname, '../fixtures/data')
const temps: string[] = []
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** A copy of a fixture directory with one file's text replaced. */
function broken(fixture: string, file: string, edit: (text: string) => string, encoding: BufferEncoding = 'utf8'): string {
  const dir = mkdtempSync(join(tmpdir(), 'usersim-data-'))
  temps.push(dir)
  cpSync(join(FIX, fixture), dir, { recursive: true })
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), encoding)), encoding)
  return dir
}

function dataError(fn: () => unknown): { code: string; message: string } {
  try {
    fn()
  } catch (err) {
    return err as { code: string; message: string }
  }
  throw new Error('expected an error')
}

describe('parseCsv', () => {
  it('handles quoted fields with commas, doubled quotes, CRLF and embedded newlines', () => {
    const text = 'a,b\r\n1,"x, y"\r\n2,"say ""hi"""\n3,"two\nlines"\n\n4,plain\n'
    const recs = [...parseCsv(text, 'f.csv')]
    expect(recs.map((r) => r.fields)).toEqual([['a', 'b'], ['1', 'x, y'], ['2', 'say "hi"'], ['3', 'two\nlines'], ['4', 'plain']])
    expect(recs.map((r) => r.line)).toEqual([1, 2, 3, 4, 7])
  })

  it('names the line of an unterminated quote', () => {
    const e = dataError(() => [...parseCsv('a,b\n1,"open\n2,3\n', 'f.csv')])
    expect(e.message).toBe('f.csv:2: unterminated quoted field')
  })
})

describe('MovieLens latest loader', () => {
  it('reads movies (quoted titles), ratings with half stars, and tags', () => {
    const d = loadDataset(join(FIX, 'ml-latest-tiny'))
    expect(d.format).toBe('latest')
    expect(d.items.map((i) => i.title)).toEqual(['Harbor Lights (1994)', 'Engine, The (2001)', 'Say "Cheese" (1999)', 'Quiet Field (2010)', 'Night Train, Part 2 (2003)'])
    expect(d.items[1]).toMatchObject({ key: '2', genres: ['Action', 'Sci-Fi'], year: 2001 })
    expect(d.items[3]!.genres).toEqual([])
    expect(d.users.map((u) => u.key)).toEqual(['1', '2', '3'])
    expect(d.ratings.length).toBe(7)
    expect(Array.from(d.ratings.value)).toEqual([4, 2.5, 5, 3.5, 0.5, 4.5, 3])
    expect(d.scale).toEqual({ min: 0.5, max: 5, step: 0.5 })
    expect(d.tagApplications).toEqual([
      { user: 0, item: 1, tag: 'loud', time: 1005 },
      { user: 1, item: 4, tag: 'twist, ending', time: 2003 },
    ])
  })

  it('rejects a rating that is not a number, naming file and line', () => {
    const dir = broken('ml-latest-tiny', 'ratings.csv', (t) => t.replace('2,5,0.5,2001', '2,5,abc,2001'))
    const e = dataError(() => loadDataset(dir))
    expect(e.code).toBe('DATA_INVALID')
    expect(e.message).toBe(`${join(dir, 'ratings.csv')}:6: rating: expected a number (got "abc")`)
  })

  it('rejects a rating off the scale, a wrong field count, an unknown movie and a bad header', () => {
    const off = broken('ml-latest-tiny', 'ratings.csv', (t) => t.replace('1,3,5.0,1002', '1,3,7,1002'))
    expect(dataError(() => loadDataset(off)).message).toMatch(/ratings\.csv:4: rating: expected 0\.5-5 \(got 7\)$/)
    const fields = broken('ml-latest-tiny', 'movies.csv', (t) => t.replace('1,Harbor Lights (1994),Drama|Romance', '1,Harbor Lights (1994)'))
    expect(dataError(() => loadDataset(fields)).message).toMatch(/movies\.csv:2: expected 3 fields \(movieId, title, genres\), got 2$/)
    const unknown = broken('ml-latest-tiny', 'ratings.csv', (t) => t + '3,99,4.0,3001\n')
    expect(dataError(() => loadDataset(unknown)).message).toMatch(/ratings\.csv:9: item 99 is not in movies\.csv$/)
    const header = broken('ml-latest-tiny', 'tags.csv', (t) => t.replace('userId,movieId,tag,timestamp', 'user,movie,tag,time'))
    expect(dataError(() => loadDataset(header)).message).toMatch(/tags\.csv:1: expected header userId,movieId,tag,timestamp/)
    const dup = broken('ml-latest-tiny', 'ratings.csv', (t) => t + '1,1,3.0,1003\n')
    expect(dataError(() => loadDataset(dup)).message).toMatch(/ratings\.csv:9: user 1 rated item 1 twice$/)
  })
})

describe('MovieLens 100K loader', () => {
  it('reads u.item (latin1, genre flags), u.user and u.data', () => {
    const d = loadDataset(join(FIX, 'ml-100k-tiny'))
    expect(d.format).toBe('100k')
    expect(d.items[0]).toMatchObject({ title: 'Café Stories (1995)', genres: ['Comedy', 'Drama', 'Romance'], year: 1995 })
    expect(d.items[2]!.genres).toEqual([])
    expect(d.users[1]).toEqual({ key: '2', age: 53, gender: 'F', occupation: 'other' })
    expect(Array.from(d.ratings.value)).toEqual([5, 3, 1, 4])
    expect(d.scale.step).toBe(1)
  })

  it('names file and line for a bad genre flag and an unknown user', () => {
    const flag = broken('ml-100k-tiny', 'u.item', (t) => t.replace('|0|1|1|0|', '|0|2|1|0|'), 'latin1')
    expect(dataError(() => loadDataset(flag)).message).toMatch(/u\.item:2: Action: expected a genre flag 0 or 1/)
    const user = broken('ml-100k-tiny', 'u.data', (t) => t + '9\t1\t4\t881250953\n', 'latin1')
    expect(dataError(() => loadDataset(user)).message).toMatch(/u\.data:5: user 9 is not in u\.user$/)
  })
})

describe('MovieLens 1M loader', () => {
  it("reads '::'-separated latin1 files", () => {
    const d = loadDataset(join(FIX, 'ml-1m-tiny'))
    expect(d.format).toBe('1m')
    expect(d.items.map((i) => i.title)).toEqual(['Paper Moons (2000)', 'Smørrebrød (1998)', 'Long Road, The (1999)'])
    expect(d.items[0]!.genres).toEqual(['Animation', "Children's", 'Comedy'])
    expect(d.users[1]).toEqual({ key: '2', gender: 'M', age: 56, occupation: 'self-employed' })
    expect(d.ratings.length).toBe(4)
  })

  it('names file and line for a bad timestamp and a bad occupation code', () => {
    const ts = broken('ml-1m-tiny', 'ratings.dat', (t) => t.replace('2::2::4::978301968', '2::2::4::yesterday'), 'latin1')
    expect(dataError(() => loadDataset(ts)).message).toMatch(/ratings\.dat:3: timestamp: expected unix seconds \(a whole number\) \(got "yesterday"\)$/)
    const occ = broken('ml-1m-tiny', 'users.dat', (t) => t.replace('2::M::56::16::70072', '2::M::56::42::70072'), 'latin1')
    expect(dataError(() => loadDataset(occ)).message).toMatch(/users\.dat:2: occupation: expected an occupation code 0-20/)
  })
})

describe('generic interactions CSV loader', () => {
  it('reads columns by name, ISO or unix timestamps, and item metadata', () => {
    const d = loadDataset(join(FIX, 'interactions-tiny'))
    expect(d.format).toBe('csv')
    expect(d.items[0]).toMatchObject({ key: 'i1', title: 'Sunrise, Again', genres: ['Drama', 'Romance'], tags: ['slow', 'warm'], year: 2011 })
    expect(d.ratings.time[0]).toBe(Date.parse('2024-01-01T10:00:00Z') / 1000)
    expect(d.ratings.time[2]).toBe(1704200000)
    expect(d.scale).toEqual({ min: 1, max: 5, step: 0.5 })
  })

  it('works without items.csv and rejects a missing column or a bad time', () => {
    const bare = broken('interactions-tiny', 'items.csv', (t) => t)
    rmSync(join(bare, 'items.csv'))
    expect(loadDataset(bare).items.map((i) => i.title)).toEqual(['i1', 'i2', 'i3'])
    const col = broken('interactions-tiny', 'interactions.csv', (t) => t.replace('user,item,rating,timestamp,source', 'user,item,score,timestamp,source'))
    expect(dataError(() => loadDataset(col)).message).toMatch(/interactions\.csv:1: header lacks column\(s\) rating/)
    const time = broken('interactions-tiny', 'interactions.csv', (t) => t.replace('1704300000', 'soon'))
    expect(dataError(() => loadDataset(time)).message).toMatch(/interactions\.csv:5: timestamp: expected unix seconds or an ISO date \(got "soon"\)$/)
  })
})

describe('format detection', () => {
  it('detects each format and explains an unknown directory', () => {
    expect(detectFormat(join(FIX, 'ml-latest-tiny'))).toBe('latest')
    expect(detectFormat(join(FIX, 'ml-100k-tiny'))).toBe('100k')
    expect(detectFormat(join(FIX, 'ml-1m-tiny'))).toBe('1m')
    expect(detectFormat(join(FIX, 'interactions-tiny'))).toBe('csv')
    expect(dataError(() => loadDataset(FIX)).message).toMatch(/no known data files/)
    expect(dataError(() => loadDataset(join(FIX, 'nope'))).message).toMatch(/data directory not found/)
  })
})
