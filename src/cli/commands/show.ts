import type { Command } from 'commander'
import { DEFAULT_DB } from '../flags.ts'
import { resolveRunArg, RUN_ID_HELP } from '../run-arg.ts'
import { RunStore } from '../../store/index.ts'
import { roundsTable, summaryTable } from '../output/metrics-view.ts'
import { formatTable } from '../output/table.ts'
import { terminalSafe } from '../output/terminal-safe.ts'
import { llmLimitSection, llmUsageSection } from '../show/llm-usage-section.ts'
import { hybridSection } from '../show/hybrid-section.ts'
import { llmModelUsageSection, modelGroupsSection } from '../show/agent-models-section.ts'
import { recoveryShowSections } from '../show/recovery-sections.ts'
import { judgeSection } from '../show/judge-section.ts'
import { scenarioMetricsSection } from '../show/scenario-metrics-section.ts'
import { trialsSection } from '../show/trials-section.ts'
import type { ShowSection } from '../show/section.ts'
import { warmStartSection } from '../show/warm-start-section.ts'
import { socialSection } from '../show/social-section.ts'

export const showSections: ShowSection[] = [
  warmStartSection,
  {
    title: 'Task calls',
    key: 'taskCalls',
    collect: (store, runId) => store.taskCounts(runId),
    render: (d) => formatTable(['task', 'calls'], Object.entries(d as Record<string, number>).map(([t, c]) => [t, c])),
  },
  {
    title: 'Agent errors (steps that threw)',
    key: 'agentErrors',
    collect: (store, runId) => {
      const e = store.agentErrors(runId, 5)
      return e.total ? e : undefined
    },
    render: (d) => {
      const e = d as ReturnType<RunStore['agentErrors']>
      const rows = e.first.map((x) => [x.round, x.agent, x.message])
      return formatTable(['round', 'agent', 'message'], rows) + (e.total > e.first.length ? `\n… ${(e.total - e.first.length).toLocaleString('en-US')} more` : '')
    },
  },
  ...recoveryShowSections(formatTable),
  llmUsageSection,
  llmModelUsageSection,
  modelGroupsSection,
  llmLimitSection,
  hybridSection,
  scenarioMetricsSection(formatTable),
  judgeSection(),
  socialSection(formatTable),
  trialsSection(formatTable),
]

export function registerShow(program: Command): void {
  program
    .command('show')
    .description("print a run's configuration and metrics per round")
    .argument('<run-id>', RUN_ID_HELP)
    .option('--db <file>', 'SQLite file', DEFAULT_DB)
    .option('--json', 'print JSON', false)
    .action((arg: string, opts: { db: string; json: boolean }) => {
      const runId = resolveRunArg(opts.db, arg)
      const store = new RunStore(opts.db, { mustExist: true })
      try {
        const run = store.getRun(runId)
        const rounds = store.getRounds(runId)
        const sections = showSections.map((s) => ({ s, data: s.collect(store, runId) })).filter((x) => x.data !== undefined)
        if (opts.json) {
          const out: Record<string, unknown> = { run, rounds: rounds.map((r) => ({ ...r.metrics, status: r.status, durationMs: r.durationMs })) }
          for (const { s, data } of sections) out[s.key] = data
          process.stdout.write(JSON.stringify(out) + '\n')
          return
        }
        const c = run.config
        const lines = [
          `run ${run.id}  ${run.status}${run.lease ? ` (${run.lease.owner})` : ''}${run.error ? ` (${run.error})` : ''}`,
          `scenario ${run.scenario}, policy ${c.policy}, ${c.agents.toLocaleString('en-US')} agents × ${c.rounds} rounds, slate ${c.slate}, catalog ${c.catalogSize}, seed ${run.seed}`,
          `created ${run.createdAt}${run.parentRun ? `, branched from ${run.parentRun} at round ${run.parentRound}` : ''}`,
          '',
          roundsTable(rounds.filter((r) => r.metrics).map((r) => r.metrics!)),
        ]
        if (run.summary) lines.push('', summaryTable(run.summary))
        for (const { s, data } of sections) lines.push('', s.title, s.render(data))
        process.stdout.write(terminalSafe(lines.join('\n')) + '\n')
      } finally {
        store.close()
      }
    })
}
