import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import {
  checkRecommendResponse,
  errorResponse,
  infoResponse,
  learnRequest,
  okResponse,
  PROTOCOL,
  recommendRequest,
  recommendResponse,
  resetRequest,
  type RecommendRequest,
} from '../../src/external/protocol.ts'
import { tempDir } from '../helpers/cli.ts'
import { PYTHON, runPython, startPolicyServer, type PolicyServerProcess } from '../helpers/python-policy.ts'

// The Python side of the external-policy protocol (examples/policies): its own unittest
// suite, and the reference servers checked from Node against the zod schemas.

async function call<T>(url: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const json: unknown = await res.json()
  const parsed = (res.ok ? schema : errorResponse).safeParse(json)
  if (!parsed.success) throw new Error(`${path} answered ${res.status} ${JSON.stringify(json)}: not a protocol message`)
  return { status: res.status, body: parsed.data as T }
}

const run = { id: 'py-test', seed: 7 }

/** Talks the whole protocol to a server and checks every answer; returns the slates of one request. */
async function exercise(url: string, catalogSize: number, agents: number) {
  const info = await call(url, '/info', infoResponse)
  expect(info.status).toBe(200)
  expect(info.body.protocol).toBe(PROTOCOL)

  const reset = resetRequest.parse({ protocol: PROTOCOL, run, catalog: { size: catalogSize }, agents, slate: 5 })
  expect(await call(url, '/reset', okResponse, reset)).toEqual({ status: 200, body: { ok: true } })

  const history = learnRequest.parse({
    protocol: PROTOCOL, run, round: -1, kind: 'history',
    interactions: [0, 1, 2, 3].map((u) => ({ user: u, slate: [1, 2, 3], clicks: [1, 2, 3], ratings: [5, 4, 5] })),
  })
  expect((await call(url, '/learn', okResponse, history)).status).toBe(200)

  const request: RecommendRequest = recommendRequest.parse({
    protocol: PROTOCOL, run, round: 0, k: 5,
    users: [
      { id: 0, history: [1, 2] },
      { id: 4, history: [] },
      { id: 5, history: [3, 4, 5], candidates: [6, 7, 8, 9, 10, 11, 12], utterances: [{ kind: 'request', text: 'something new' }] },
    ],
  })
  const answer = await call(url, '/recommend', recommendResponse, request)
  expect(answer.status).toBe(200)
  expect(checkRecommendResponse(request, answer.body, catalogSize)).toEqual([])
  for (const [n, slate] of answer.body.slates.entries()) {
    expect(slate.items).toHaveLength(5)
    for (const item of request.users[n]!.history) expect(slate.items).not.toContain(item)
  }
  // The same user answered alone gets the same slate (no dependence on the batch).
  const alone = await call(url, '/recommend', recommendResponse, { ...request, users: [request.users[2]] })
  expect(alone.body.slates[0]).toEqual(answer.body.slates[2])

  const feedback = learnRequest.parse({
    protocol: PROTOCOL, run, round: 0, kind: 'round',
    interactions: answer.body.slates.map((s) => ({ user: s.user, slate: s.items, clicks: s.items.slice(0, 1), ratings: [4] })),
  })
  expect((await call(url, '/learn', okResponse, feedback)).status).toBe(200)

  // Bad requests: 400 with an error naming the field.
  const bad = await call(url, '/recommend', okResponse, { ...request, users: [{ id: 0, history: [catalogSize] }] })
  expect(bad.status).toBe(400)
  expect((bad.body as unknown as { error: string }).error).toMatch(/^users\[0\]\.history\[0\]: /)
  const noRun = await call(url, '/learn', okResponse, { ...feedback, run: { id: 'another', seed: 1 } })
  expect(noRun.status).toBe(409)
  return answer.body.slates
}

describe('Python policies (examples/policies)', () => {
  let torchError = ''
  const servers: PolicyServerProcess[] = []

  beforeAll(async () => {
    const r = await runPython(['-c', 'import torch, numpy'])
    if (r.code !== 0) torchError = `${PYTHON} cannot import torch: install python3-torch (apt-get install python3-torch python3-numpy; CI installs it)\n${r.stderr}`
  })

  afterAll(async () => {
    for (const s of servers) await s.stop()
  })

  it('has PyTorch for /usr/bin/python3', () => {
    expect(torchError, torchError).toBe('')
  })

  it('passes its own unittest suite', async () => {
    const r = await runPython(['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], 180_000)
    expect(r.code, `python3 -m unittest failed:\n${r.stderr.slice(-6000)}`).toBe(0)
    expect(r.stderr).toMatch(/\nOK\b/)
  }, 200_000)

  it('item-kNN server answers every message as the schemas say, and stops on SIGTERM', async () => {
    const server = await startPolicyServer(['knn_server.py', '--port', '0'])
    servers.push(server)
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.url).not.toMatch(/:0$/)
    const slates = await exercise(server.url, 50, 10)
    // Learned co-occurrence: after clicks on 1, 2, 3 together, a user who consumed 1 and 2 gets 3 first.
    expect(slates[0]!.items[0]).toBe(3)
    const { code, stdout } = await server.stop()
    expect(code).toBe(0)
    expect(stdout).toBe(`listening on ${server.url}\n`)
  })

  it('a freshly trained ReaRec server answers every message as the schemas say', async () => {
    expect(torchError, torchError).toBe('')
    const dir = tempDir('usersim-rearec-')
    const data = await runPython(['-m', 'usersim_policy.synthetic', '--out', dir, '--users', '120'])
    expect(data.code, data.stderr).toBe(0)
    const model = join(dir, 'rearec.pt')
    const trained = await runPython(['rearec/train.py', '--data', join(dir, 'sequences'), '--k', '2', '--epochs', '2',
      '--d', '16', '--layers', '1', '--out', model, '--threads', '1'])
    expect(trained.code, trained.stderr).toBe(0)
    const figures = JSON.parse(trained.stdout.trim().split('\n').at(-1)!)
    expect(figures).toMatchObject({ model: 'rearec-erl', k: 2, epochs_run: 2 })
    expect(figures.test['recall@10']).toBeGreaterThanOrEqual(0)

    const server = await startPolicyServer(['rearec/serve.py', '--model', model, '--port', '0'])
    servers.push(server)
    expect((await call(server.url, '/info', infoResponse)).body.name).toBe('rearec-erl-k2')
    const first = await exercise(server.url, 60, 120)
    expect(await exercise(server.url, 60, 120)).toEqual(first) // deterministic, reset or not
    const wrong = await call(server.url, '/reset', okResponse, { protocol: PROTOCOL, run, catalog: { size: 61 }, agents: 120, slate: 5 })
    expect(wrong.status).toBe(400)
    expect((await server.stop()).code).toBe(0)
  }, 120_000)
})
