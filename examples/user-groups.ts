/**
 * User groups with stated tastes, and metrics per group. Half the users are students, who
 * like textbooks: the scenario states it with `generatePersona(id, ctx, { favouriteCategories })`,
 * so the hidden utility (what the users truly like) follows what the persona shows. The
 * metrics split the round's rows by group through `ctx.personas`.
 *
 *   node bin/usersim.js run examples/user-groups.ts --agents 2000
 *   node bin/usersim.js run examples/user-groups.ts --agents 2000 --set tastes=look   # only the look changes: the taste does not follow
 */
import { ailoAgent, defineScenario, generateCatalog, generatePersona, z, type MetricContext, type OutcomeRow } from 'usersim'

const CATEGORIES = ['textbooks', 'novels', 'comics', 'cookbooks', 'travel', 'poetry', 'biography', 'science']
const isStudent = (id: number) => id % 2 === 0

/** Share of a group's clicks that went to textbooks. */
const textbookShare = (student: boolean) => (rows: readonly OutcomeRow[], ctx: MetricContext) => {
  let clicks = 0
  let textbooks = 0
  rows.forEach((row, i) => {
    if (isStudent(ctx.personas[i]!.id) !== student) return
    for (const item of row.clicks) {
      clicks++
      if (ctx.catalog.items[item]!.category === 'textbooks') textbooks++
    }
  })
  return clicks ? textbooks / clicks : 0
}

export default defineScenario({
  name: 'user-groups',
  description: 'Students who like textbooks, and everyone else; metrics per group',
  defaults: { agents: 2000, rounds: 3, slate: 10, policy: 'popularity', seed: 5, catalogSize: 2000 },
  params: z.object({
    /** stated: the hidden taste follows the students' favourite category; look: only the visible field is overridden. */
    tastes: z.enum(['stated', 'look']).default('stated'),
  }),
  catalog: ({ seed, size }) => generateCatalog({ seed, size, categories: CATEGORIES }),
  persona: (id, ctx) => {
    if (!isStudent(id)) return generatePersona(id, ctx)
    if (ctx.params.tastes === 'look') return { ...generatePersona(id, ctx), favouriteCategories: ['textbooks'] }
    return generatePersona(id, ctx, { favouriteCategories: ['textbooks'], strength: 2 })
  },
  agent: ailoAgent(),
  metrics: { students_textbooks: textbookShare(true), others_textbooks: textbookShare(false) },
})
