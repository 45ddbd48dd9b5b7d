import type { Command } from 'commander'
import { builtinScenarioNames, loadScenario } from '../../runner/index.ts'
import { formatTable } from '../output/table.ts'

export function registerScenarios(program: Command): void {
  program
    .command('scenarios')
    .description('list the built-in scenarios')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const list = await Promise.all(
        builtinScenarioNames().map(async (name) => {
          const s = await loadScenario(name)
          return { name, description: s.description, defaults: s.defaults }
        }),
      )
      if (opts.json) {
        process.stdout.write(JSON.stringify(list) + '\n')
        return
      }
      process.stdout.write(
        formatTable(
          ['scenario', 'agents', 'rounds', 'policy', 'description'],
          list.map((s) => [s.name, s.defaults.agents, s.defaults.rounds, s.defaults.policy, s.description]),
        ) + '\n',
      )
    })
}
