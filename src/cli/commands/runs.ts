import type { Command } from 'commander'
import { DEFAULT_DB } from '../flags.ts'
import { RunStore } from '../../store/index.ts'
import { formatTable } from '../output/table.ts'

/** Widest settings cell before it is cut (`--json` has them whole). */
const SETTINGS_WIDTH = 48

/** A run's --set values as `key=value` (policy options as policy.key=value), so runs that differ only there look different. */
export function settingsOf(config: { params: Record<string, unknown>; policyOptions: Record<string, unknown> }): string {
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))
  const parts = [
    ...Object.entries(config.params).map(([k, v]) => `${k}=${show(v)}`),
    ...Object.entries(config.policyOptions).map(([k, v]) => `policy.${k}=${show(v)}`),
  ]
  const s = parts.join(' ')
  return s.length > SETTINGS_WIDTH ? s.slice(0, SETTINGS_WIDTH - 1) + '…' : s
}

export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('list the runs in a database, newest first')
    .option('--db <file>', 'SQLite file', DEFAULT_DB)
    .option('--json', 'print JSON', false)
    .action((opts: { db: string; json: boolean }) => {
      const store = new RunStore(opts.db, { mustExist: true })
      try {
        const runs = store.listRuns()
        if (opts.json) {
          const out = runs.map((r) => ({ id: r.id, scenario: r.scenario, status: r.status, owner: r.lease?.owner ?? null, createdAt: r.createdAt, policy: r.config.policy, params: r.config.params, policyOptions: r.config.policyOptions, agents: r.config.agents, rounds: r.config.rounds, seed: r.seed, parentRun: r.parentRun, parentRound: r.parentRound, summary: r.summary }))
          process.stdout.write(JSON.stringify(out) + '\n')
          return
        }
        if (runs.length === 0) {
          process.stdout.write(`no runs in ${opts.db}\n`)
          return
        }
        process.stdout.write(
          formatTable(
            ['run', 'scenario', 'policy', 'settings', 'agents', 'rounds', 'seed', 'status', 'created', 'satisf.', 'CTR'],
            runs.map((r) => [r.id, r.scenario, r.config.policy, settingsOf(r.config), r.config.agents, r.config.rounds, r.seed, r.status, r.createdAt.replace('T', ' ').slice(0, 19), r.summary?.satisfaction ?? Number.NaN, r.summary?.ctr ?? Number.NaN]),
          ) + '\n',
        )
      } finally {
        store.close()
      }
    })
}
