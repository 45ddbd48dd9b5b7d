import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunStore } from '../../src/store/index.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

// `--set` keys are declared by the scenario (`params`) and the policy (`withOptions`): issue 13.
describe('--set is checked against declared, typed, bounded options', () => {
  const dir = tempDir('usersim-set-')
  const db = join(dir, 'set.db')
  const small = ['--agents', '30', '--rounds', '3', '--catalog', '100', '--threads', '0', '--db', db]

  const refused: Array<[string[], RegExp]> = [
    [['feed', '--set', 'typo=1'], /unknown --set key "typo" for scenario "feed".*its parameters: none/],
    [['feed', '--set', 'foo=bar'], /unknown --set key "foo"/],
    [['feed', '--policy', 'bpr', '--set', 'policy.factors=abc'], /invalid option for policy "bpr":\n\s+policy\.factors: .*expected number, received string/],
    [['feed', '--policy', 'bpr', '--set', 'policy.factors=0'], /policy\.factors: Too small/],
    [['feed', '--policy', 'bpr', '--set', 'policy.factors=-5'], /policy\.factors: Too small/],
    [['feed', '--policy', 'bpr', '--set', 'policy.factors=1e9'], /policy\.factors: Too big: expected number to be <=512/],
    [['feed', '--policy', 'bpr', '--set', 'policy.factor=3'], /unknown option policy\.factor for policy "bpr"; its options: policy\.factors, policy\.learningRate/],
    [['feed', '--policy', 'random', '--set', 'policy.x=1'], /unknown option policy\.x for policy "random"; its options: none/],
    [['interactive-feed', '--set', 'nope=1'], /unknown --set key "nope" for scenario "interactive-feed"; its parameters: setting, maxRounds, driftRound/],
    [['interactive-feed', '--set', 'setting=drft'], /setting: Invalid option: expected one of "single"\|"multi"\|"drift"/],
    [['feed', '--set', 'catalogSize=10'], /catalogSize is not a parameter: `run` takes --catalog/],
  ]
  for (const [args, message] of refused) {
    it(`refuses run ${args.join(' ')} before a run row exists`, async () => {
      const r = await runCli(['run', ...args, ...small])
      expect(r.stderr).toMatch(message)
      expect(r.code).toBe(2)
    }, 60_000)
  }

  it('accepts declared options, and a branch that would change the world through --set is refused', async () => {
    const ok = await runCli(['run', 'feed', '--policy', 'bpr', '--set', 'policy.factors=8', ...small, '--json'])
    expect(ok.code).toBe(0)
    const parent = JSON.parse(ok.stdout)
    expect(parent.config.policyOptions).toEqual({ factors: 8 })

    const branch = await runCli(['branch', parent.runId, '--at-round', '0', '--set', 'catalogSize=10', '--threads', '0', '--db', db])
    expect(branch.code).toBe(2)
    expect(branch.stderr).toMatch(/unknown --set key "catalogSize".*a branch keeps its parent's/)
    const store = new RunStore(db, { readonly: true })
    try {
      expect(store.listRuns()).toHaveLength(1)
    } finally {
      store.close()
    }
  }, 120_000)
})
