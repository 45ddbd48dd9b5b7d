import type { RunRecord } from '../store/index.ts'

export interface DatasetCard {
  title: string
  summary: string
  run: RunRecord
  format: string
  models: string[]
  filters: Record<string, string | number | undefined>
  files: { name: string; records: number; what: string }[]
  fields: Record<string, string>
  notes?: string[]
  /** Shown right under the summary (e.g. that the rows come from surrogates). */
  warnings?: string[]
}

/** The dataset card (README.md) every export writes next to its JSONL. */
export function renderCard(c: DatasetCard): string {
  const cfg = c.run.config
  const filters = Object.entries(c.filters).filter(([, v]) => v !== undefined)
  return [
    `# ${c.title}`,
    '',
    c.summary,
    '',
    ...(c.warnings?.length ? [...c.warnings.flatMap((w) => [`> ${w}`, '']), ''] : []),
    '## Source',
    '',
    `- run: \`${c.run.id}\` (${c.run.status}, created ${c.run.createdAt})`,
    `- scenario: \`${c.run.scenario}\`, policy \`${cfg.policy}\`, ${cfg.agents} agents × ${cfg.rounds} rounds, slate ${cfg.slate}, catalog ${cfg.catalogSize}, seed ${c.run.seed}`,
    `- scenario parameters: \`${JSON.stringify(cfg.params)}\``,
    `- model(s): ${c.models.length ? c.models.map((m) => `\`${m}\``).join(', ') : '`surrogate`'}`,
    `- format: \`${c.format}\`${filters.length ? `; filters: ${filters.map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}`,
    '',
    '## Files',
    '',
    '| file | records | content |',
    '|---|---|---|',
    ...c.files.map((f) => `| \`${f.name}\` | ${f.records} | ${f.what} |`),
    '',
    '## Fields',
    '',
    '| field | meaning |',
    '|---|---|',
    ...Object.entries(c.fields).map(([k, v]) => `| \`${k}\` | ${v} |`),
    ...(c.notes?.length ? ['', '## Notes', '', ...c.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n')
}
