import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { movielensLog } from '../../examples/policies/movielens_log.ts'
import { loadScenario } from '../../src/runner/index.ts'
import { ROOT } from '../helpers/cli.ts'

const DATA = join(ROOT, 'test/fixtures/data/ml-latest-tiny')

describe('examples/policies/movielens_log.ts', () => {
  it('writes, per agent, exactly the catalog ids the warm start sends over /learn', async () => {
    const log = await movielensLog(DATA, 42, 0.8)
    const scenario = await loadScenario('movielens')
    const params = { data: DATA, trainFraction: 0.8 }
    const data = await scenario.load!({ seed: 42, params })
    const catalog = scenario.catalog({ seed: 42, params, data } as never)
    const history = await scenario.history!({ seed: 42, agents: log.sequences.length, catalog, params, data } as never)
    expect(log.items).toBe(catalog.items.length)
    expect(log.sequences.length).toBeGreaterThan(1)
    expect(log.sequences).toEqual(history.batches[0]!.interactions.map((i) => [...i.clicks]))
    expect(log.sequences.flat().every((i) => Number.isInteger(i) && i >= 0 && i < log.items)).toBe(true)
  })
})
