import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SimError, type Catalog } from '../../core/index.ts'
import { createShardEnv } from '../../runner/index.ts'
import { countEvents, iterateEvents, type RunStore } from '../../store/index.ts'
import { renderCard } from '../card.ts'
import type { ExportResult } from '../export-registry.ts'

/**
 * Interaction logs in the formats recommender models train on (docs/external-policies.md,
 * "Training files"): `sequences` (SASRec/ReaRec), `graph` (LightGCN/RGCL) and `recbole`
 * (RecBole's atomic files). Item ids are catalog ids, user ids agent ids.
 */

const SPLITS = ['train', 'valid', 'test'] as const
type Split = (typeof SPLITS)[number]

/** One consumed item and how far down the funnel it went. */
interface Consumed {
  item: number
  carted: 0 | 1
  ordered: 0 | 1
}

/** Each user's consumed items (clicks, in round then click order) with their cart and order labels: what sequence and graph models learn from. */
function consumption(store: RunStore, runId: string): Map<number, Consumed[]> {
  const seqs = new Map<number, Consumed[]>()
  for (const e of iterateEvents(store, runId)) {
    if (!e.clicks.length) continue
    let s = seqs.get(e.agent)
    if (!s) seqs.set(e.agent, (s = []))
    const carts = new Set(e.carts)
    const orders = new Set(e.orders)
    for (const item of e.clicks) s.push({ item, carted: carts.has(item) ? 1 : 0, ordered: orders.has(item) ? 1 : 0 })
  }
  return seqs
}

/** A CSV field: quoted when it holds a comma, quote or newline (RFC 4180, as Python's csv module reads). */
const field = (v: string | number) => {
  const s = String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}
const row = (xs: Array<string | number>) => xs.map(field).join(',') + '\n'

function requireData(store: RunStore, runId: string): void {
  if (!countEvents(store, runId)) throw new SimError('NO_DATA', `run ${runId} has no events; nothing written`)
}

async function catalogOf(store: RunStore, runId: string): Promise<Catalog> {
  return (await createShardEnv(store.getRun(runId).config, 1)).catalog
}

/**
 * The split CSV files of a leave-last-out export: each user's consumption, users in id order,
 * turned into rows by `emit`, which names each row's split.
 */
function splitCsv(seqs: Map<number, Consumed[]>, header: string, emit: (user: number, seq: Consumed[], add: (split: Split, cells: Array<string | number>) => void) => void) {
  const text: Record<Split, string> = { train: header, valid: header, test: header }
  const counts: Record<Split, number> = { train: 0, valid: 0, test: 0 }
  const add = (split: Split, cells: Array<string | number>) => {
    text[split] += row(cells)
    counts[split]++
  }
  for (const user of [...seqs.keys()].sort((a, b) => a - b)) emit(user, seqs.get(user)!, add)
  return { text, counts }
}

/**
 * `sequences`: one row per target item with the items before it (oldest first, at most
 * 50), leave-last-out per user (last item → test, the one before → valid, earlier → train);
 * no row has an empty history (a user's first item is history only), as in ReaRec's data.
 */
export async function writeSequences(store: RunStore, runId: string, outDir: string, maxHistory = 50): Promise<ExportResult> {
  requireData(store, runId)
  const run = store.getRun(runId)
  const seqs = consumption(store, runId)
  const catalog = await catalogOf(store, runId)
  mkdirSync(outDir, { recursive: true })
  const { text, counts } = splitCsv(seqs, 'user_id,item_id,history_id,carted,ordered\n', (user, seq, add) => {
    const n = seq.length
    for (let pos = 1; pos < n; pos++) {
      const t = seq[pos]!
      add(pos === n - 1 ? 'test' : pos === n - 2 ? 'valid' : 'train', [user, t.item, seq.slice(Math.max(0, pos - maxHistory), pos).map((c) => c.item).join(' '), t.carted, t.ordered])
    }
  })
  const files = [...SPLITS.map((s) => `${s}.csv`), 'items.csv', 'card.json', 'README.md'].map((f) => join(outDir, f))
  for (const s of SPLITS) writeFileSync(join(outDir, `${s}.csv`), text[s])
  writeFileSync(join(outDir, 'items.csv'), 'item_id,title,category\n' + catalog.items.map((it) => row([it.id, it.title, it.category])).join(''))
  const card = { users: run.config.agents, items: catalog.items.length, format: 'sequences', split: 'leave-last-out', max_history: maxHistory, rows: counts, run_id: runId, seed: run.seed }
  writeFileSync(join(outDir, 'card.json'), JSON.stringify(card, null, 2) + '\n')
  writeFileSync(
    join(outDir, 'README.md'),
    renderCard({
      title: `Item sequences of run ${runId}`,
      summary: 'Each simulated user\'s consumed items in order, as next-item examples for sequential recommenders (SASRec, ReaRec); see docs/external-policies.md.',
      run,
      format: 'sequences',
      models: [],
      filters: { split: 'leave-last-out', maxHistory },
      files: [
        ...SPLITS.map((s) => ({ name: `${s}.csv`, records: counts[s], what: `${s} rows: user_id, item_id (the target), history_id (items before it, space-separated, oldest first), carted, ordered` })),
        { name: 'items.csv', records: catalog.items.length, what: 'item_id, title, category' },
        { name: 'card.json', records: 1, what: 'users, items, split, row counts (read by examples/policies)' },
      ],
      fields: { user_id: 'agent id', item_id: 'catalog id of the next item consumed (clicked)', history_id: 'the items consumed before it', carted: '1 when the user added the target to the cart (e-commerce runs)', ordered: '1 when the user bought it' },
    }),
  )
  return { files, records: counts.train + counts.valid + counts.test }
}

/** `graph`: user–item edges (weight 1 per consumption), the same leave-last-out split per user. */
export async function writeGraph(store: RunStore, runId: string, outDir: string): Promise<ExportResult> {
  requireData(store, runId)
  const run = store.getRun(runId)
  const seqs = consumption(store, runId)
  const catalog = await catalogOf(store, runId)
  mkdirSync(outDir, { recursive: true })
  const { text, counts } = splitCsv(seqs, 'user_id,item_id,weight,carted,ordered\n', (user, seq, add) => {
    const n = seq.length
    seq.forEach((c, pos) => add(pos === n - 1 && n >= 2 ? 'test' : pos === n - 2 && n >= 3 ? 'valid' : 'train', [user, c.item, 1, c.carted, c.ordered]))
  })
  const files = [...SPLITS.map((s) => `${s}.csv`), 'card.json', 'README.md'].map((f) => join(outDir, f))
  for (const s of SPLITS) writeFileSync(join(outDir, `${s}.csv`), text[s])
  writeFileSync(join(outDir, 'card.json'), JSON.stringify({ users: run.config.agents, items: catalog.items.length, format: 'graph', split: 'leave-last-out', edges: counts, run_id: runId, seed: run.seed }, null, 2) + '\n')
  writeFileSync(
    join(outDir, 'README.md'),
    renderCard({
      title: `User–item graph of run ${runId}`,
      summary: 'The bipartite graph of what each simulated user consumed, split leave-last-out per user, for graph recommenders (LightGCN, RGCL).',
      run,
      format: 'graph',
      models: [],
      filters: { split: 'leave-last-out' },
      files: [...SPLITS.map((s) => ({ name: `${s}.csv`, records: counts[s], what: `${s} edges: user_id, item_id, weight, carted, ordered` })), { name: 'card.json', records: 1, what: 'users, items, split, edge counts' }],
      fields: { user_id: 'agent id', item_id: 'catalog id', weight: '1 per consumption (repeats are separate edges)', carted: '1 when the click went on to the cart', ordered: '1 when it went on to an order' },
    }),
  )
  return { files, records: counts.train + counts.valid + counts.test }
}

/**
 * `recbole`: RecBole's atomic files, tab-separated with typed headers, in `<out>/<name>/`:
 * `<name>.inter` (one row per impression, with the user's feedback on it), `<name>.user`
 * (what a real system would know of a user: never the hidden taste) and `<name>.item`.
 */
export async function writeRecbole(store: RunStore, runId: string, outDir: string, name = 'usersim'): Promise<ExportResult> {
  requireData(store, runId)
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new SimError('USAGE', `--name must be letters, digits, - or _ (RecBole's dataset name; got "${name}")`)
  const run = store.getRun(runId)
  const env = await createShardEnv(run.config, 1)
  const dir = join(outDir, name)
  mkdirSync(dir, { recursive: true })
  const tsv = (xs: Array<string | number>) => xs.map((x) => String(x).replace(/[\t\n\r]/g, ' ')).join('\t') + '\n'
  const seq = (xs: readonly string[]) => xs.map((x) => x.replace(/\s+/g, '_')).join(' ')
  let inter = tsv(['user_id:token', 'item_id:token', 'rating:float', 'timestamp:float', 'position:float', 'label:float', 'cart:float', 'order:float'])
  let interactions = 0
  for (const e of iterateEvents(store, runId)) {
    if (!e.present) continue
    const rating = new Map(e.clicks.map((c, k) => [c, e.ratings[k] ?? 0]))
    const carts = new Set(e.carts)
    const orders = new Set(e.orders)
    e.slate.forEach((item, pos) => {
      // Rounds are the clock: within a round, slate positions order the impressions.
      inter += tsv([e.agent, item, rating.get(item) ?? 0, e.round + pos / 100, pos, rating.has(item) ? 1 : 0, carts.has(item) ? 1 : 0, orders.has(item) ? 1 : 0])
      interactions++
    })
  }
  let user = tsv(['user_id:token', 'activity_type:token', 'favourite_categories:token_seq', 'likes:token_seq', 'dislikes:token_seq'])
  for (let a = 0; a < run.config.agents; a++) {
    const p = store.persona(runId, a) ?? env.persona(a)
    user += tsv([a, p.activityType, seq(p.favouriteCategories), seq(p.likes.map((l) => l.tag)), seq(p.dislikes.map((d) => d.tag))])
  }
  let item = tsv(['item_id:token', 'title:token_seq', 'category:token', 'tags:token_seq', 'price:float', 'year:float', 'popularity:float'])
  for (const it of env.catalog.items) item += tsv([it.id, it.title.split(/\s+/).join(' '), it.category.replace(/\s+/g, '_'), seq(it.tags), it.price, it.year ?? 0, it.popularity])
  const files = [`${name}.inter`, `${name}.user`, `${name}.item`].map((f) => join(dir, f))
  writeFileSync(files[0]!, inter)
  writeFileSync(files[1]!, user)
  writeFileSync(files[2]!, item)
  writeFileSync(
    join(dir, 'README.md'),
    renderCard({
      title: `RecBole atomic files of run ${runId}`,
      summary: `Load with RecBole: \`data_path\` = \`${outDir}\`, \`dataset\` = \`${name}\`; \`label\` marks clicks among impressions (set \`LABEL_FIELD: label\`, or filter \`label > 0\` for implicit feedback).`,
      run,
      format: 'recbole',
      models: [],
      filters: {},
      files: [
        { name: `${name}.inter`, records: interactions, what: 'one row per impression: user_id, item_id, rating (0 unless clicked), timestamp (round + position/100), position, label (1 = clicked), cart (1 = added to the cart), order (1 = bought)' },
        { name: `${name}.user`, records: run.config.agents, what: 'user_id and what a real system would log of the user (no hidden taste)' },
        { name: `${name}.item`, records: env.catalog.items.length, what: 'item_id, title, category, tags, price, year, prior popularity' },
      ],
      fields: { 'user_id:token': 'agent id', 'item_id:token': 'catalog id', 'rating:float': '1–5 when clicked, else 0', 'timestamp:float': 'round + slate position / 100', 'label:float': '1 when clicked', 'cart:float': '1 when added to the cart (e-commerce runs; implies label 1)', 'order:float': '1 when bought (implies cart 1)' },
    }),
  )
  return { files: [...files, join(dir, 'README.md')], records: interactions }
}
