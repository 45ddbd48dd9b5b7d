import { iterateEvents, utterancesOf, type RunStore } from '../store/index.ts'
import { readTaskTraces } from './traces-repo.ts'

/** One trial of a multi-trial episode, read back from a run's events and utterances. */
export interface TrialRecord {
  agent: number
  /** 0 first. */
  trial: number
  firstRound: number
  lastRound: number
  rounds: number
  /** passed: the user stopped satisfied; failed: it gave up or ran out; unfinished: the run ended first. */
  ending: 'passed' | 'failed' | 'unfinished'
  /** Mean satisfaction over the trial's rounds. */
  satisfaction: number
  /** 1 when passed, else half the mean satisfaction (as the user agents compute it). */
  reward: number
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4

/**
 * Every user's trials, from what the run stored: a trial ends on the round its user says
 * `praise` (satisfied) or `complaint` (gave up, out of turns); the next round present
 * starts the next trial. Works for single-trial runs too (one trial per user).
 */
export function trialsOf(store: RunStore, runId: string): Map<number, TrialRecord[]> {
  const endings = new Map<string, 'passed' | 'failed'>()
  for (const u of utterancesOf(store, runId)) {
    if (u.kind === 'praise') endings.set(`${u.agent}:${u.round}`, 'passed')
    else if (u.kind === 'complaint' && !endings.has(`${u.agent}:${u.round}`)) endings.set(`${u.agent}:${u.round}`, 'failed')
  }
  const open = new Map<number, { first: number; last: number; n: number; sat: number }>()
  const out = new Map<number, TrialRecord[]>()
  const close = (agent: number, ending: TrialRecord['ending']) => {
    const o = open.get(agent)
    if (!o) return
    const list = out.get(agent) ?? []
    const satisfaction = r4(o.sat / Math.max(1, o.n))
    list.push({ agent, trial: list.length, firstRound: o.first, lastRound: o.last, rounds: o.n, ending, satisfaction, reward: ending === 'passed' ? 1 : r4(0.5 * satisfaction) })
    out.set(agent, list)
    open.delete(agent)
  }
  for (const e of iterateEvents(store, runId)) {
    if (!e.present) continue
    const o = open.get(e.agent) ?? { first: e.round, last: e.round, n: 0, sat: 0 }
    o.last = e.round
    o.n++
    o.sat += e.satisfaction
    open.set(e.agent, o)
    const end = endings.get(`${e.agent}:${e.round}`)
    if (end) close(e.agent, end)
  }
  for (const agent of [...open.keys()]) close(agent, 'unfinished')
  return out
}

/** Figures by trial index: users in it, passed, pass rate among them and cumulated over all users, mean rounds and satisfaction. */
export interface TrialFigures {
  trial: number
  users: number
  passed: number
  passRate: number
  /** Share of all users that passed by the end of this trial. */
  cumulativePassRate: number
  avgRounds: number
  satisfaction: number
}

export function trialFigures(trials: Map<number, TrialRecord[]>): TrialFigures[] {
  const users = trials.size
  const by: TrialRecord[][] = []
  for (const list of trials.values()) for (const t of list) (by[t.trial] ??= []).push(t)
  let cumulated = 0
  return by.map((ts, trial) => {
    const passed = ts.filter((t) => t.ending === 'passed').length
    cumulated += passed
    const mean = (f: (t: TrialRecord) => number) => r4(ts.reduce((s, t) => s + f(t), 0) / Math.max(1, ts.length))
    return { trial, users: ts.length, passed, passRate: r4(passed / Math.max(1, ts.length)), cumulativePassRate: r4(cumulated / Math.max(1, users)), avgRounds: mean((t) => t.rounds), satisfaction: mean((t) => t.satisfaction) }
  })
}

/** The trial a round of a user's episode belongs to. */
export function trialAt(list: readonly TrialRecord[] | undefined, round: number): TrialRecord | undefined {
  return list?.find((t) => round >= t.firstRound && round <= t.lastRound)
}

/** What the reflections named, and how the trials after them went: per diagnosis, lessons and next trials passed. */
export interface ReflectionEffect {
  diagnosis: string
  lessons: number
  nextPassed: number
  nextPassRate: number
}

export function reflectionEffects(store: RunStore, runId: string, trials: Map<number, TrialRecord[]>): ReflectionEffect[] {
  const by = new Map<string, { lessons: number; passed: number }>()
  for (const t of readTaskTraces(store.db, store.runKey(runId), ['reflect-trial'])) {
    const next = trialAt(trials.get(t.agent), t.round)
    const kinds = (t.output as { diagnosis?: unknown } | null)?.diagnosis
    for (const k of Array.isArray(kinds) ? new Set(kinds.map(String)) : []) {
      const e = by.get(k) ?? { lessons: 0, passed: 0 }
      e.lessons++
      if (next?.ending === 'passed') e.passed++
      by.set(k, e)
    }
  }
  return [...by]
    .map(([diagnosis, e]) => ({ diagnosis, lessons: e.lessons, nextPassed: e.passed, nextPassRate: r4(e.passed / Math.max(1, e.lessons)) }))
    .sort((a, b) => b.lessons - a.lessons || a.diagnosis.localeCompare(b.diagnosis))
}
