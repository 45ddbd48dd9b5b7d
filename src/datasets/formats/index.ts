import { z } from 'zod'
import type { DpoOptions } from './dpo.ts'
import { registerExportFormat, exportFormat } from '../export-registry.ts'
import { writeDpo } from './dpo.ts'
import { writeEvents } from './events.ts'
import { writeExplanations, writePareto } from './explanations.ts'
import { writeMessagesExport } from './messages.ts'
import { writeImpressions } from './impressions.ts'
import { writeSft } from './sft.ts'
import { writeGraph, writeRecbole, writeSequences } from './training-logs.ts'
import { writeTrajectories } from './trajectories.ts'

const num = (v: unknown) => (v === undefined ? undefined : Number(v))

/** Registers sft, dpo and events (idempotent: a second import is a no-op). */
export function registerDatasetFormats(): void {
  if (exportFormat('sft')) return
  registerExportFormat({
    name: 'sft',
    description: 'distillation data: teacher (Parser/Planner/CRS) calls of passed episodes as chat JSONL, train/validation',
    write: (store, runId, outDir, o) => writeSft(store, runId, outDir, { task: o.task as string | undefined, minScore: num(o.minScore), validation: num(o.validation) }),
  })
  registerExportFormat({
    name: 'dpo',
    description: 'ECPO turn-level preference pairs {prompt, chosen, rejected} (TRL; --dpo-style llamafactory)',
    write: (store, runId, outDir, o) =>
      writeDpo(store, runId, outDir, {
        lambda: num(o.lambda),
        style: z.enum(['trl', 'llamafactory']).parse(o.dpoStyle ?? 'trl'),
        validation: num(o.validation),
        runner: o.runner as DpoOptions['runner'],
        rewriterModel: typeof o.rewriterModel === 'string' ? o.rewriterModel : undefined,
      }),
  })
  registerExportFormat({
    name: 'sequences',
    description: 'each user\'s consumed items as next-item rows (SASRec/ReaRec), leave-last-out train/valid/test CSV',
    write: (store, runId, outDir) => writeSequences(store, runId, outDir),
  })
  registerExportFormat({
    name: 'graph',
    description: 'user-item edges (LightGCN/RGCL), leave-last-out train/valid/test CSV',
    write: (store, runId, outDir) => writeGraph(store, runId, outDir),
  })
  registerExportFormat({
    name: 'recbole',
    description: 'RecBole atomic files (.inter with impressions and labels, .user, .item)',
    write: (store, runId, outDir, o) => writeRecbole(store, runId, outDir, typeof o.name === 'string' ? o.name : undefined),
  })
  registerExportFormat({
    name: 'explanations',
    description: 'explanations shown with items: the user\'s five aspect scores, the judge\'s verdict, clicked (HF4Rec replay buffer)',
    write: (store, runId, outDir) => writeExplanations(store, runId, outDir),
  })
  registerExportFormat({
    name: 'pareto',
    description: 'explanation preference pairs where one Pareto-dominates the other on the user\'s aspect scores',
    write: (store, runId, outDir, o) => writePareto(store, runId, outDir, { samples: num(o.samples) }),
  })
  registerExportFormat({
    name: 'impressions',
    description: 'one row per request: user, query, history, preference anchors, shown items, impression/click/cart/order labels (OnePiece)',
    write: (store, runId, outDir) => writeImpressions(store, runId, outDir),
  })
  registerExportFormat({
    name: 'trajectories',
    description: 'RetroAct multi-trial data: planner, reflector (with correction critiques) and imitation-learning rows',
    write: (store, runId, outDir, o) => writeTrajectories(store, runId, outDir, { c: num(o.rewardC) }),
  })
  registerExportFormat({
    name: 'events',
    description: 'the interaction log: one JSON row per agent and round',
    write: (store, runId, outDir) => writeEvents(store, runId, outDir),
  })
  registerExportFormat({
    name: 'messages',
    description: 'messages between users (social runs): shares with comments, complaints, follows, as JSONL',
    write: (store, runId, outDir) => writeMessagesExport(store, runId, outDir),
  })
}

registerDatasetFormats()

export { sftRecord, type SftRecord } from './sft.ts'
export { dpoTrlRecord, dpoLlamaFactoryRecord } from './dpo.ts'
export { eventRecord } from './events.ts'
export { explanationRecord, paretoRecord } from './explanations.ts'
export { impressionRecord, type ImpressionRecord } from './impressions.ts'
export { plannerRow, reflectorRow, ilAlpacaRow, ilChatRow, reflectorReward } from './trajectories.ts'
