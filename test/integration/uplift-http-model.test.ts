import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectUpliftModel } from '../../src/uplift/http-model.ts'
import { predictRequest, UPLIFT_PROTOCOL } from '../../src/uplift/protocol.ts'

/** A small uplift model server: uplift = f0 − f1, answering in batches of at most 100 rows. */
let server: Server
let url = ''
const requests: number[] = []
let mode: 'ok' | 'short' | 'nan' | 'wrong-info' = 'ok'

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET' && req.url === '/info') {
        res.end(JSON.stringify(mode === 'wrong-info' ? { protocol: 'other', name: 'x' } : { protocol: UPLIFT_PROTOCOL, name: 'diff', features: 2, maxBatch: 100 }))
        return
      }
      if (req.method === 'POST' && req.url === '/predict') {
        const parsed = predictRequest.safeParse(JSON.parse(body))
        if (!parsed.success) {
          res.statusCode = 400
          res.end(JSON.stringify({ error: parsed.error.message }))
          return
        }
        requests.push(parsed.data.rows.length)
        let uplift = parsed.data.rows.map((r) => r.features[0]! - r.features[1]!)
        if (mode === 'short') uplift = uplift.slice(1)
        res.end(mode === 'nan' ? '{"uplift": [null]}' : JSON.stringify({ uplift }))
        return
      }
      res.statusCode = 404
      res.end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('external uplift models over usersim.uplift.v1', () => {
  it('reads /info and scores rows in batches of at most maxBatch', async () => {
    mode = 'ok'
    requests.length = 0
    const m = await connectUpliftModel(url, { batch: 1000 })
    expect(m.info).toMatchObject({ name: 'diff', features: 2, maxBatch: 100 })
    const rows = Array.from({ length: 250 }, (_, i) => [i, 1])
    const out = await m.predict(rows)
    expect(Array.from(out)).toEqual(rows.map((r) => r[0]! - 1))
    expect(requests).toEqual([100, 100, 50])
  })

  it('names the URL, the field and what was expected when an answer is wrong', async () => {
    mode = 'ok'
    const m = await connectUpliftModel(url)
    await expect(m.predict([[1, 2, 3]])).rejects.toThrow(/expects 2 features per row; the data has 3/)
    mode = 'short'
    await expect(m.predict([[1, 2], [3, 4]])).rejects.toThrow(new RegExp(`${url}: POST /predict: field "uplift": expected 2 numbers`))
    mode = 'nan'
    await expect(m.predict([[1, 2]])).rejects.toMatchObject({ code: 'DATA_INVALID', message: expect.stringMatching(/field "uplift.0"/) })
    mode = 'wrong-info'
    await expect(connectUpliftModel(url)).rejects.toThrow(/GET \/info: field "protocol"/)
  })

  it('an unreachable model is an error naming it', async () => {
    await expect(connectUpliftModel('http://127.0.0.1:9', { timeoutMs: 2000 })).rejects.toThrow('uplift model: GET /info (http://127.0.0.1:9/info) got no answer')
  })
})
