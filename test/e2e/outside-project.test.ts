import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ROOT, tempDir } from '../helpers/cli.ts'

/**
 * A researcher's own project, outside this repository: a package without "type": "module"
 * that depends on usersim by path (as `npm install ../usersim` sets it up: a link in
 * node_modules and the `usersim` command in node_modules/.bin).
 */
function researcherProject(): string {
  const dir = tempDir('usersim-outside-')
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-study', version: '1.0.0', private: true, dependencies: { usersim: `file:${ROOT}` } }, null, 2))
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true })
  symlinkSync(ROOT.replace(/\/$/, ''), join(dir, 'node_modules', 'usersim'), 'dir')
  symlinkSync('../usersim/bin/usersim.js', join(dir, 'node_modules', '.bin', 'usersim'))
  return dir
}

const SCENARIO = `import { ailoAgent, defineScenario, generateCatalog, generatePersona } from 'usersim'
import { GENRES } from './genres'

export default defineScenario({
  name: 'my-podcasts',
  description: 'a scenario in a project of its own',
  defaults: { agents: 40, rounds: 2, slate: 5, policy: 'popularity', seed: 5, catalogSize: 120 },
  catalog: ({ seed, size }) => generateCatalog({ seed, size, categories: GENRES }),
  persona: (id, ctx) => generatePersona(id, ctx),
  agent: ailoAgent(),
})
`

/** Every name the docs import from a package entry point, by entry point. */
function importsInDocs(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  const files = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f))]
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/import\s*\{([^}]+)\}\s*from\s*'(usersim[^']*)'/g)) {
      const names = m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter(Boolean)
      const set = out.get(m[2]!) ?? new Set<string>()
      for (const n of names) set.add(n)
      out.set(m[2]!, set)
    }
  }
  return out
}

describe('usersim from a project outside this repository', () => {
  let project = ''
  beforeAll(() => {
    project = researcherProject()
    writeFileSync(join(project, 'genres.ts'), `export const GENRES = ['news', 'science', 'comedy']\n`)
    writeFileSync(join(project, 'study.ts'), SCENARIO)
    writeFileSync(join(project, 'study.mts'), SCENARIO.replace("from './genres'", "from './genres.ts'"))
  })

  it.each([
    ['a plain .ts scenario, in this thread', 'study.ts', '0'],
    ['a plain .ts scenario, on worker threads', 'study.ts', '1'],
    ['an .mts scenario', 'study.mts', '0'],
  ])('npx usersim run: %s', { timeout: 120_000 }, (_what, file, threads) => {
    const r = spawnSync('npx', ['--no-install', 'usersim', 'run', file, '--threads', threads, '--db', 'study.db', '--json'], { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '1' } })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { scenario: string; rounds: unknown[] }
    expect(out.scenario).toBe('my-podcasts')
    expect(out.rounds).toHaveLength(2)
  })

  it('every name the docs import from usersim and usersim/engine (and the documented extras) is exported there', { timeout: 120_000 }, () => {
    const wanted = importsInDocs()
    // Named in the docs' prose as coming from these entry points.
    const extra: Record<string, string[]> = {
      usersim: ['registerCritic', 'externalPolicy', 'registerTool', 'simulate', 'defineScenario'],
      'usersim/engine': ['bullmqExecutor', 'buildRunConfig', 'launchRun', 'defaultExtensions', 'readJsonl', 'sftRecord', 'dpoTrlRecord', 'dpoLlamaFactoryRecord', 'eventRecord', 'checkRecommendResponse', 'policyProtocol', 'registerExportFormat', 'resumeRun', 'RunStore'],
    }
    for (const [entry, names] of Object.entries(extra)) for (const n of names) (wanted.get(entry) ?? wanted.set(entry, new Set()).get(entry)!).add(n)
    expect([...wanted.keys()].sort()).toEqual(['usersim', 'usersim/engine'])
    const lines = [...wanted].map(([entry, names], i) => `import * as m${i} from '${entry}'\nfor (const n of ${JSON.stringify([...names])}) if (m${i}[n] === undefined) missing.push('${entry}: ' + n)`)
    writeFileSync(join(project, 'check.mts'), `const missing: string[] = []\n${lines.join('\n')}\nconsole.log(JSON.stringify(missing))\n`)
    const out = execFileSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'check.mts'], { cwd: project, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual([])
  })

  it('simulate() from a script of the project', { timeout: 120_000 }, () => {
    writeFileSync(join(project, 'compare.mts'), `import { simulate } from 'usersim'\nconst { summary } = await simulate('./study.ts', { agents: 30, rounds: 1, threads: 0, db: 'compare.db' })\nconsole.log(JSON.stringify({ agentSteps: summary.agentSteps }))\n`)
    const out = execFileSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'compare.mts'], { cwd: project, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ agentSteps: 30 })
  })
})

