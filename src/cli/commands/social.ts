import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { z } from 'zod'
import { analyzeSocial, type SocialAnalysis } from '../../social/social-analysis.ts'
import { figureRows, renderSocialPage } from '../../social/social-page.ts'
import { RunStore } from '../../store/index.ts'
import { DEFAULT_DB, parseFlags } from '../flags.ts'
import { formatTable } from '../output/table.ts'

const socialFlags = z.object({
  db: z.string().min(1, '--db must be a file path'),
  html: z.string().min(1, '--html must be a file path').optional(),
  json: z.boolean().default(false),
})

export function registerSocial(program: Command): void {
  program
    .command('social')
    .description("a run's word of mouth: cascades, clicks from friends, echo chambers, influencers; several runs side by side")
    .argument('<run-ids>', 'run id, or several separated by commas to compare them (e.g. with and without the social layer)')
    .option('--db <file>', 'SQLite file', DEFAULT_DB)
    .option('--html <file>', 'also write a self-contained HTML page with cascade charts')
    .option('--json', 'print one JSON object', false)
    .action(async (runIds: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(socialFlags, raw)
      const ids = runIds.split(',').map((s) => s.trim()).filter(Boolean)
      const store = new RunStore(flags.db, { mustExist: true })
      const runs: Array<{ runId: string; label: string; analysis: SocialAnalysis }> = []
      try {
        for (const id of ids) {
          const run = store.getRun(id)
          const analysis = await analyzeSocial(store, id)
          const social = (run.config.params as { social?: unknown }).social
          runs.push({ runId: id, label: `${run.config.policy}${social === false ? ', no friends' : ''}`, analysis })
        }
      } finally {
        store.close()
      }
      if (flags.html) writeFileSync(flags.html, renderSocialPage(runs))
      if (flags.json) {
        process.stdout.write(JSON.stringify({ runs: runs.map((r) => ({ runId: r.runId, ...r.analysis })), html: flags.html }) + '\n')
        return
      }
      const lines = [formatTable(['figure', ...runs.map((r) => r.label)], figureRows(runs.map((r) => r.analysis)))]
      if (flags.html) lines.push('', `wrote ${flags.html}`)
      process.stdout.write(lines.join('\n') + '\n')
    })
}
