import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, eventsHash, tempDir } from '../helpers/checkpoint-cli.ts'

describe('usersim rollback / resume / branch / interview / show (CLI)', () => {
  const dir = tempDir()
  const db = join(dir, 'cmd.db')

  it('rewinds, continues to the same result, branches, interviews, and shows it all', async () => {
    const run = await cli(['run', 'feed', '--agents', '200', '--rounds', '4', '--catalog', '300', '--threads', '0', '--critics', 'on', '--keep-checkpoints', '0', '--db', db, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const original = JSON.parse(run.stdout)
    const hash = eventsHash(db, original.runId)

    const rb = await cli(['rollback', original.runId, '--to-round', '1', '--db', db])
    expect(rb.code, rb.stderr).toBe(0)
    expect(rb.stdout).toMatch(/rolled back to the end of round 1: deleted .*\b400 events\b.*dropped 2 later checkpoint/)

    const resumed = await cli(['resume', original.runId, '--db', db, '--threads', '0'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stdout).toContain(`run ${original.runId}`)
    expect(resumed.stdout).toMatch(/NDCG@K vs oracle/)
    expect(eventsHash(db, original.runId)).toBe(hash)

    const branch = await cli(['branch', original.runId, '--at-round', '1', '--policy', 'random', '--db', db, '--threads', '0', '--json'])
    expect(branch.code, branch.stderr).toBe(0)
    const b = JSON.parse(branch.stdout)
    expect(b.config.policy).toBe('random')
    expect(b.rounds.slice(0, 2)).toEqual(original.rounds.slice(0, 2))
    expect(eventsHash(db, b.runId, 1)).toBe(eventsHash(db, original.runId, 1))
    expect(eventsHash(db, b.runId)).not.toBe(hash)

    const iv = await cli(['interview', original.runId, '--agent', '5', 'Would you recommend this feed?', '--db', db, '--json'])
    expect(iv.code, iv.stderr).toBe(0)
    expect(JSON.parse(iv.stdout)).toMatchObject({ agent: 5, round: 3, backend: 'surrogate', answer: expect.any(String) })

    const out = join(dir, 'corrections')
    const ex = await cli(['export', original.runId, '--format', 'corrections', '--out', out, '--db', db])
    expect(ex.code, ex.stderr).toBe(0)
    const sft = readFileSync(join(out, 'sft.jsonl'), 'utf8').trim().split('\n')
    expect(JSON.parse(sft[0]!)).toMatchObject({ run_id: original.runId, layer: 'agent', completion: expect.any(String) })
    expect(readFileSync(join(out, 'preference.jsonl'), 'utf8').trim().split('\n').length).toBe(sft.length)
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/# Corrections of run/)

    const show = await cli(['show', original.runId, '--db', db, '--json'])
    expect(show.code, show.stderr).toBe(0)
    const s = JSON.parse(show.stdout)
    expect(s.checkpoints.kept.map((c: { round: number }) => c.round)).toEqual([0, 1, 2, 3])
    expect(s.corrections.length).toBeGreaterThan(0)
    expect(s.corrections[0]).toMatchObject({ layer: 'agent', count: expect.any(Number) })
    // Seven CLI starts: generous for a loaded 2-core CI machine.
  }, 300_000)

  it('bad input is refused with a clear message and a usage exit code', async () => {
    const noRound = await cli(['rollback', 'x', '--db', db])
    expect(noRound.code).toBe(2)
    expect(noRound.stderr).toMatch(/--to-round is required/)
    const badGuard = await cli(['run', 'feed', '--agents', '10', '--db', db, '--guard', 'ctr=0.5'])
    expect(badGuard.code).toBe(2)
    expect(badGuard.stderr).toMatch(/--guard expects/)
  }, 60_000)
})
