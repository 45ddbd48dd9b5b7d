import type { Command } from 'commander'
import { z } from 'zod'
import { writeReport } from '../../report/write-report.ts'
import { intFlag, parseFlags, DEFAULT_DB } from '../flags.ts'

const reportFlags = z.object({
  db: z.string().min(1, '--db must be a file path'),
  out: z.string().min(1, '--out must be a file path'),
  stories: intFlag('--stories', 0, 50),
  json: z.boolean().default(false),
})

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML report (charts, comparison, agent stories) for one or more runs, and for compare and eval ranking studies')
    .argument('<run-ids>', 'run id, or several separated by commas to compare them ("latest" = the newest run); study:ID or study:latest for a compare or eval ranking study')
    .option('--db <file>', 'SQLite file', DEFAULT_DB)
    .option('--out <file>', 'HTML file to write', 'report.html')
    .option('--stories <n>', 'sampled agent stories per run (default 3)')
    .option('--json', 'print one JSON object', false)
    .action(async (runIds: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(reportFlags, raw)
      const r = await writeReport({ db: flags.db, runs: runIds, out: flags.out, stories: flags.stories })
      if (flags.json) {
        process.stdout.write(JSON.stringify(r) + '\n')
        return
      }
      const what = [...r.studies.map((s) => `study ${s}`), ...r.runs]
      process.stdout.write(`wrote ${r.out} (${mb(r.bytes)}, of which data ${mb(r.dataBytes)}) for ${what.join(', ')}\n`)
    })
}
