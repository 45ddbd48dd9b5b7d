import { z } from 'zod'
import { defineScenario, SimError, type Persona } from '../../src/core/index.ts'
import { ailoAgent } from '../../agents/users/ailo/index.ts'
import { DATA_FORMATS, loadDatasetCached, type DataFormat } from '../../src/data/index.ts'
import { calibrate, trainingHistory } from '../../src/fidelity/calibrate.ts'
import { historyLog } from '../../src/fidelity/history-log.ts'
import { cachedCalibration, calibrationKey, type CalibratedWorld } from '../../src/fidelity/calibration-cache.ts'

export const movielensParams = z.object({
  data: z.string({ message: 'the movielens scenario needs --data DIR (MovieLens latest, 100k, 1m, or interactions.csv)' }).min(1),
  format: z.enum(DATA_FORMATS as [string, ...string[]]).optional(),
  /** Share of each user's ratings, oldest first, that calibrates the persona. */
  trainFraction: z.number().gt(0).lte(1).default(0.8),
})

const calibration = (data: unknown): CalibratedWorld => {
  if (!data || typeof data !== 'object' || !('personas' in data)) {
    throw new SimError('SCENARIO_INVALID', 'movielens: catalog/persona called without the loaded calibration (ctx.data)')
  }
  return data as CalibratedWorld
}

/**
 * `movielens`: the catalog and population of a real interaction log. Each agent is a
 * dataset user whose persona is calibrated from the older part of their history
 * (src/fidelity/calibrate.ts); the AILO agent and every policy run on it unchanged.
 * Agents beyond the number of users reuse the personas in order.
 */
export default defineScenario({
  name: 'movielens',
  description: 'Real users: personas calibrated from a MovieLens (or interactions CSV) log, via --data DIR',
  defaults: { agents: 610, rounds: 5, slate: 10, policy: 'popularity', seed: 42, catalogSize: 9742, warmStart: 'log' },
  params: movielensParams,
  load: ({ seed, params }) => {
    const p = movielensParams.parse(params)
    const format = p.format as DataFormat | undefined
    const options = { seed, split: { trainFraction: p.trainFraction } }
    return cachedCalibration(calibrationKey(p.data, format, options), () => {
      const cal = calibrate(loadDatasetCached(p.data, format), options)
      return { catalog: cal.catalog, personas: cal.personas, ...trainingHistory(cal) }
    })
  },
  catalog: ({ data }) => calibration(data).catalog,
  persona: (id, { data }): Persona => {
    const { personas } = calibration(data)
    const base = personas[id % personas.length]!
    return id < personas.length ? base : { ...base, id, name: `${base.name} #${Math.floor(id / personas.length) + 1}` }
  },
  // Agent a is dataset user a % users (as for personas): its training ratings, oldest first.
  history: ({ data, agents }) => historyLog(calibration(data), agents),
  agent: ailoAgent(),
})
