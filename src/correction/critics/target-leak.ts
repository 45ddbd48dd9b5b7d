import { registerCritic, type Critic } from '../critic.ts'

/**
 * Any task whose input hides a target (conversational scenarios: `hidden.target`,
 * `hidden.targetTitle` or `hidden.targets`, a title or an item with a `title`) must not
 * say it: a user who names the item it is looking for makes the recommender's job trivial.
 */
export const targetLeakCritic: Critic<unknown, unknown> = {
  name: 'target-leak',
  check: (input, out) => {
    const titles = hiddenTargets(input)
    if (!titles.length) return null
    const said = strings(out).join('\n').toLowerCase()
    const leaked = titles.find((t) => t.length >= 3 && said.includes(t.toLowerCase()))
    if (!leaked) return null
    return {
      kind: 'target-leak',
      problem: `the output names the hidden target "${leaked}"`,
      critique: `You mentioned "${leaked}" by name. You must not reveal the exact item you are looking for: describe what you want (its kind, mood, attributes) without its title.`,
    }
  },
}

function hiddenTargets(input: unknown): string[] {
  const hidden = (input as { hidden?: Record<string, unknown> } | null)?.hidden
  if (!hidden || typeof hidden !== 'object') return []
  const out: string[] = []
  const add = (v: unknown) => {
    if (typeof v === 'string') out.push(v)
    else if (v && typeof v === 'object' && typeof (v as { title?: unknown }).title === 'string') out.push((v as { title: string }).title)
  }
  for (const key of ['target', 'targetTitle', 'targets', 'targetTitles']) {
    const v = hidden[key]
    if (Array.isArray(v)) v.forEach(add)
    else add(v)
  }
  return out
}

function strings(v: unknown, acc: string[] = []): string[] {
  if (typeof v === 'string') acc.push(v)
  else if (Array.isArray(v)) for (const x of v) strings(x, acc)
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, acc)
  return acc
}

registerCritic('*', targetLeakCritic)
