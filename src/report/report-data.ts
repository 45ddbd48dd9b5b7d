import { basename } from 'node:path'
import { type RunConfig } from '../config/index.ts'
import type { RunSummary } from '../metrics/index.ts'
import { createShardEnv } from '../runner/shard-env.ts'
import { agentsCommitted, type RunRecord, type RunStore } from '../store/index.ts'
import { agentStory, sampleStoryAgents, type AgentStory, type RunLineage } from './agent-stories.ts'
import { addEventCounts, emptyCounts, type EventCounts } from './event-aggregates.ts'
import { longTail, type LongTail } from './long-tail.ts'
import { flattenRoundMetrics, metricsFor, type MetricInfo } from './metric-catalog.ts'
import { trialFigures, trialsOf, type TrialFigures } from '../datasets/trials.ts'
import { llmUsage, recordedActions, type LlmTaskUsage, type RecordedActions } from './feature-tables-repo.ts'
import { limitTrajectory, type LimitRound } from '../llm/llm-calls-repo.ts'
import { hybridSummary, type HybridSummary } from '../distill/hybrid-summary.ts'
import { studyReports } from './studies.ts'
import type { StudyReport } from './study-views.ts'

/** One run as the report page draws it. Plain JSON: embedded in the file or served live. */
export interface RunReport {
  id: string
  scenario: string
  status: string
  createdAt: string
  updatedAt: string
  parentRun: string | null
  parentRound: number | null
  error: string | null
  config: RunConfig
  versions: Record<string, string>
  summary: RunSummary | null
  /** Finished rounds, in order: every metric as a flat record, plus the satisfaction histogram. */
  rounds: Array<{ round: number; metrics: Record<string, number>; satisfactionHist: number[] }>
  progress: { roundsDone: number; roundsTotal: number; runningRound: number | null; agentsDoneInRunningRound: number }
  /** Counts of ratings 1..5 over the finished rounds. */
  ratings: number[]
  exposure: LongTail
  taskCalls: Record<string, number>
  llm: LlmTaskUsage[] | null
  /** Each endpoint's adaptive concurrency limit per round (null: fixed limits or no model calls). */
  llmLimits: LimitRound[] | null
  actions: RecordedActions[]
  /** Multi-trial episodes (`--set trials=N`): figures by trial index; null for single-trial runs. */
  trials: TrialFigures[] | null
  /** A hybrid or profiled run's audit, cost projection and group comparison (src/distill). */
  hybrid: HybridSummary | null
  stories: AgentStory[]
  /** Titles of the items the page names (stories, most shown), by id. */
  items: Record<string, { title: string; category: string }>
  notes: string[]
}

export interface ReportData {
  /** Bumped when the shape changes. */
  format: 1
  generatedAt: string
  db: string
  live: boolean
  metrics: MetricInfo[]
  runs: RunReport[]
  /** `compare` and `eval ranking` studies: those named, and those that made a run shown (absent: none). */
  studies?: StudyReport[]
}

export interface ReportOptions {
  /** Sampled agent stories per run (default 3). */
  stories?: number
  /** Points of the long-tail curve (default 200). */
  curvePoints?: number
  /** Most shown items listed (default 10). */
  topItems?: number
}

interface RunCache {
  doneThrough: number
  countedRounds: string
  counts: EventCounts
  items: Map<number, { title: string; category: string }> | null
  itemsNote: string | null
  stateKey: string
  report: RunReport | null
}

/**
 * Builds report data from a store. It keeps per-run aggregates between calls, so a live
 * page that asks every few seconds only reads the rounds finished since the last call,
 * and a run whose state has not moved is answered from memory.
 *
 * @example
 * const builder = new ReportBuilder(store, { stories: 3 })
 * const data = await builder.build(['feed-20260101-120000-ab12'])
 */
export class ReportBuilder {
  private readonly cache = new Map<string, RunCache>()

  constructor(
    private readonly store: RunStore,
    private readonly opts: ReportOptions = {},
    private readonly live = false,
  ) {}

  /** The report of these runs and studies; a study that made one of the runs comes too. */
  async build(runIds: readonly string[], studyIds: readonly string[] = []): Promise<ReportData> {
    const runs: RunReport[] = []
    for (const id of runIds) {
      // Compared runs of one population tell the stories of the same users (the first run's draw).
      const first = runs[0]
      const run = this.store.getRun(id)
      const same = first && first.config.agents === run.config.agents && first.config.seed === run.config.seed
      runs.push(await this.runReport(run, same ? first.stories.map((s) => s.agent) : undefined))
    }
    const keys = new Set<string>()
    for (const r of runs) for (const row of r.rounds) for (const k of Object.keys(row.metrics)) keys.add(k)
    const studies = studyReports(this.store, studyIds, runIds)
    return { format: 1, generatedAt: new Date().toISOString(), db: basename(this.store.file), live: this.live, metrics: metricsFor(keys), runs, studies }
  }

  private async runReport(run: RunRecord, storyAgentsHint?: number[]): Promise<RunReport> {
    const db = this.store.db
    const rounds = this.store.getRounds(run.id)
    const done = rounds.filter((r) => r.status === 'done' && r.metrics)
    const doneThrough = done.length ? done.at(-1)!.round : -1
    const running = rounds.find((r) => r.status === 'running') ?? null
    const agentsDone = running
      ? agentsCommitted(this.store, run.id, running.round)
      : 0
    const stateKey = `${run.status}|${run.updatedAt}|${doneThrough}|${running?.round ?? ''}|${agentsDone}|${storyAgentsHint?.join(',') ?? ''}`
    let c = this.cache.get(run.id)
    if (c && c.stateKey === stateKey && c.report) return c.report

    const runKey = this.store.runKey(run.id)
    // The rounds already counted, as they were when counted: a rollback (and a replay) changes them.
    const counted = (upTo: number) => done.filter((r) => r.round <= upTo).map((r) => `${r.round}@${r.finishedAt}`).join('|')
    if (!c || c.doneThrough > doneThrough || counted(c.doneThrough) !== c.countedRounds) {
      // A rolled-back run loses or replaces rounds: start its aggregates again.
      c = { doneThrough: -1, countedRounds: '', counts: emptyCounts(0), items: null, itemsNote: null, stateKey: '', report: null }
      this.cache.set(run.id, c)
      await this.loadItems(run, c)
      let size = c.items ? 0 : run.config.catalogSize
      if (c.items) for (const id of c.items.keys()) size = Math.max(size, id + 1)
      c.counts = emptyCounts(size)
    }
    if (doneThrough > c.doneThrough) {
      addEventCounts(db, runKey, c.counts, c.doneThrough + 1, doneThrough)
      c.doneThrough = doneThrough
      c.countedRounds = counted(doneThrough)
    }

    const tail = longTail(c.counts.impressions, c.counts.clicks, { maxPoints: this.opts.curvePoints ?? 200, top: this.opts.topItems ?? 10 })
    const lineage = this.lineage(run)
    const storyAgents = doneThrough < 0 ? [] : storyAgentsHint?.length ? storyAgentsHint : sampleStoryAgents(db, run.id, run.seed, run.config.agents, this.opts.stories ?? 3)
    const stories = storyAgents.map((a) => agentStory(db, lineage, a, doneThrough))
    const notes: string[] = []
    if (c.itemsNote) notes.push(c.itemsNote)
    const errors = this.store.agentErrors(run.id, 3)
    if (errors.total > 0) {
      notes.push(`${errors.total.toLocaleString('en-US')} agent-steps threw (their users count as present with no clicks); first: ${errors.first.map((e) => `round ${e.round}, agent ${e.agent}: ${e.message}`).join('; ')}`)
    }
    const named = new Set<number>()
    for (const t of tail.top) named.add(t.item)
    for (const s of stories) for (const r of s.rounds) for (const i of r.shown) named.add(i)
    const items: Record<string, { title: string; category: string }> = {}
    for (const i of named) items[i] = c.items?.get(i) ?? { title: `item #${i}`, category: '' }

    const report: RunReport = {
      id: run.id,
      scenario: run.scenario,
      status: run.status,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
      parentRun: run.parentRun,
      parentRound: run.parentRound,
      error: run.error,
      config: run.config,
      versions: run.versions,
      summary: run.summary,
      rounds: done.map((r) => ({ round: r.round, metrics: flattenRoundMetrics(r.metrics!, r.durationMs), satisfactionHist: r.metrics!.satisfactionHist })),
      progress: { roundsDone: done.length, roundsTotal: run.config.rounds, runningRound: running?.round ?? null, agentsDoneInRunningRound: agentsDone },
      ratings: [...c.counts.ratings],
      exposure: tail,
      taskCalls: this.store.taskCounts(run.id),
      llm: llmUsage(db, run.id, runKey) ?? null,
      llmLimits: limitTrajectory(db, runKey, run.config.llm?.backend === 'openai' && !!run.config.llm.agentModels) ?? null,
      actions: recordedActions(db, run.id, runKey, 5),
      trials: Number(run.config.params.trials ?? 1) > 1 ? trialFigures(trialsOf(this.store, run.id)) : null,
      hybrid: hybridSummary(db, runKey, run.config.hybrid) ?? null,
      stories,
      items,
      notes,
    }
    c.stateKey = stateKey
    c.report = report
    return report
  }

  /** Item titles from the rebuilt catalog; a scenario that no longer loads leaves ids only. */
  private async loadItems(run: RunRecord, c: RunCache): Promise<void> {
    try {
      const env = await createShardEnv(run.config, 1)
      c.items = new Map(env.catalog.items.map((it) => [it.id, { title: it.title, category: it.category }]))
    } catch (err) {
      c.items = null
      c.itemsNote = `item titles unavailable (the scenario could not be rebuilt: ${(err as Error).message}); items are shown by id`
    }
  }

  private lineage(run: RunRecord, depth = 0): RunLineage {
    let parent: RunLineage | null = null
    if (run.parentRun && depth < 16) {
      try {
        parent = this.lineage(this.store.getRun(run.parentRun), depth + 1)
      } catch {
        parent = null
      }
    }
    return { runId: run.id, runKey: this.store.runKey(run.id), parentRound: run.parentRound, parent }
  }
}

/** Splits `a,b,c` into run ids; `latest` names the newest run in the store. */
export function parseRunIds(arg: string, store: RunStore): string[] {
  const ids = arg.split(',').map((s) => s.trim()).filter(Boolean)
  return ids.map((id) => (id === 'latest' ? (store.listRuns()[0]?.id ?? id) : id))
}
