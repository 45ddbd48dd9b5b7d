import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keepAliveFetch } from '../../src/llm/keep-alive-fetch.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'

describe('keepAliveFetch (the openai client transport) against a real HTTP server', () => {
  let s: OpenAiTestServer
  const f = keepAliveFetch()
  beforeAll(async () => {
    s = await startOpenAiTestServer({ models: ['m'], latencyMs: 0 })
  })
  afterAll(async () => {
    await s.close()
  })
  const post = (body: unknown, init: RequestInit = {}) =>
    f(`${s.url}/chat/completions`, { method: 'POST', headers: new Headers({ 'content-type': 'application/json', 'X-Trace': 'a' }), body: JSON.stringify(body), ...init })

  it('answers with status, headers and a JSON body, over kept-alive connections', async () => {
    const r = await post({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
    expect(r.ok).toBe(true)
    expect(r.status).toBe(200)
    expect(r.headers.get('Content-Type')).toMatch(/application\/json/)
    expect([...r.headers.entries()].some(([k]) => k === 'content-length')).toBe(true)
    expect(r.clone().headers.get('content-type')).toBe(r.headers.get('content-type'))
    const body = (await r.json()) as { choices: Array<{ message: { content: string } }> }
    expect(body.choices[0]!.message.content).toBe('ok')
    await expect(r.text()).rejects.toThrow(/already been read/)
  })

  it('gives error statuses with their body, and a readable stream on demand', async () => {
    const r = await post({ model: 'nope', messages: [] })
    expect(r.ok).toBe(false)
    expect(r.status).toBe(404)
    const chunks: Uint8Array[] = []
    for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) chunks.push(c)
    expect(Buffer.concat(chunks).toString()).toMatch(/model_not_found/)
  })

  it('rejects with the abort reason when the signal fires, and the next request still works', async () => {
    s.inject({ kind: 'slow', ms: 2000 })
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    await expect(post({ model: 'm', messages: [{ role: 'user', content: 'slow' }] }, { signal: ac.signal })).rejects.toThrow(/abort/i)
    const r = await post({ model: 'm', messages: [{ role: 'user', content: 'next' }] })
    expect(r.status).toBe(200)
  })

  it('refuses what it does not implement, clearly', async () => {
    await expect(f('ftp://example/x')).rejects.toThrow(/unsupported protocol ftp:/)
    await expect(f(`${s.url}/models`, { method: 'POST', body: new ReadableStream() as never })).rejects.toThrow(/string and byte bodies/)
  })
})
