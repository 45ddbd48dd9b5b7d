import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/cli.ts'

const COMMANDS = 'run|runs|show|resume|rollback|branch|interview|report|export|serve|serve-policy|eval|scenarios|worker|mock-llm|social|distill|compare|help'

/** The user-facing docs: README, docs/*.md and the examples' own READMEs and headers. */
function docs(): { file: string; text: string }[] {
  const files = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f))]
  files.push(join(ROOT, 'examples', 'policies', 'README.md'), ...readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, 'examples', f)))
  return files.map((file) => ({ file: file.slice(ROOT.length), text: readFileSync(file, 'utf8') }))
}

describe('docs a user can follow', () => {
  it('show commands as `npx usersim …` (usersim is not on PATH after npm ci)', () => {
    const bare = new RegExp(`(^|\`|\\$ |; |&& )(node bin/usersim\\.js|usersim (?=(${COMMANDS})\\b))`, 'm')
    const offending = docs().flatMap(({ file, text }) =>
      text
        .split('\n')
        .map((line, i) => ({ line, i }))
        .filter(({ line }) => bare.test(line.replace(/npx usersim/g, '')))
        .map(({ line, i }) => `${file}:${i + 1}: ${line.trim()}`),
    )
    expect(offending).toEqual([])
  })

  it('point at no files a user of the package lacks (the project\'s shared data and design notes)', () => {
    const offending = docs()
      .filter(({ file }) => !file.startsWith('docs/fidelity.md'))
      .flatMap(({ file, text }) => (/\.\.\/shared\/|shared\/design\//.test(text) ? [file] : []))
    expect(offending).toEqual([])
    // fidelity.md names the maintainers' copy only for the bench, after saying where to get the data.
    const fidelity = readFileSync(join(ROOT, 'docs', 'fidelity.md'), 'utf8')
    expect(fidelity).toContain('https://files.grouplens.org/datasets/movielens/ml-latest-small.zip')
    expect(fidelity).not.toMatch(/--data \.\.\/shared/)
  })
})
