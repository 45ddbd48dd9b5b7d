/**
 * Writes the movielens scenario's warm-start training log in catalog-id space, for
 * training the Python reference models on exactly what a simulated run warm-starts on:
 *
 *   npx tsx examples/policies/movielens_log.ts --data ml-latest-small --out log.json
 *   /usr/bin/python3 examples/policies/make_movielens.py --log log.json --out /tmp/ml
 *
 * JSON: {"items": catalog size, "source", "trainFraction", "seed", "sequences": [agent a's items oldest first]}.
 * Agent a is dataset user a (the scenario's calibration, same data, seed and train
 * fraction as `usersim eval ranking`), so item ids are the ids a run's /recommend and
 * /learn carry and user ids are agent ids.
 */
import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { loadScenario } from '../../src/runner/index.ts'
import type { CalibratedWorld } from '../../src/fidelity/calibration-cache.ts'

export async function movielensLog(data: string, seed: number, trainFraction: number) {
  const scenario = await loadScenario('movielens')
  const world = (await scenario.load!({ seed, params: { data, trainFraction } })) as CalibratedWorld
  return { items: world.catalog.items.length, source: world.historySource, trainFraction, seed, sequences: world.history.map((h) => [...h]) }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string', default: '42' }, 'train-fraction': { type: 'string', default: '0.8' } } })
  if (!values.data || !values.out) {
    process.stderr.write('usage: movielens_log.ts --data DIR --out log.json [--seed 42] [--train-fraction 0.8]\n')
    process.exit(2)
  }
  const log = await movielensLog(values.data, Number(values.seed), Number(values['train-fraction']))
  writeFileSync(values.out, JSON.stringify(log))
  process.stdout.write(`${values.out}: ${log.sequences.length} users, ${log.items} items, ${log.sequences.reduce((n, s) => n + s.length, 0)} interactions\n`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
