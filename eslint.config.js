// Lint guards the architecture: pure per-agent and policy logic, imports that point the way
// the layer table says, and SQL only in the store and the features' repositories. Style is
// left to review. test/unit/architecture.test.ts checks the same table on the import graph
// (with cycles, which lint does not see).
import tseslint from 'typescript-eslint'

/**
 * Who may import whom, besides itself. The engine is core, config, llm, external (policies
 * served over HTTP), metrics, store and runner; the features (checkpoint, correction, datasets, data, fidelity, report, recovery, uplift)
 * plug into it from src/extensions; the CLI and the entry points sit on top.
 */
export const LAYERS = {
  'src/core': [],
  'src/config': ['src/core', 'src/llm'],
  'src/metrics': ['src/core'],
  'src/llm': ['src/core', 'src/store'],
  'src/store': ['src/core', 'src/config', 'src/metrics'],
  'src/external': ['src/core'],
  'src/runner': ['src/core', 'src/config', 'src/llm', 'src/metrics', 'src/store', 'src/external', 'agents'],
  'src/checkpoint': ['src/core', 'src/config', 'src/metrics', 'src/store', 'src/runner'],
  'src/correction': ['src/core', 'src/config', 'src/llm', 'src/metrics', 'src/store', 'src/runner', 'src/datasets', 'agents'],
  'src/datasets': ['src/social', 'src/core', 'src/config', 'src/llm', 'src/metrics', 'src/store', 'src/runner', 'src/checkpoint', 'agents'],
  'src/data': ['src/core'],
  'src/uplift': ['src/core', 'src/data', 'src/store'],
  'src/distill': ['src/core', 'src/config', 'src/llm', 'src/metrics', 'src/store', 'src/runner', 'agents'],
  'src/fidelity': ['src/core', 'src/config', 'src/data', 'src/llm', 'src/metrics', 'agents'],
  'src/social': ['src/core', 'src/config', 'src/data', 'src/metrics', 'src/store', 'src/runner'],
  'src/report': ['src/social', 'src/core', 'src/config', 'src/llm', 'src/metrics', 'src/store', 'src/runner', 'src/checkpoint', 'src/correction', 'src/datasets', 'src/distill'],
  'src/recovery': ['src/core', 'src/config', 'src/llm', 'src/metrics', 'src/store', 'src/runner', 'src/checkpoint'],
  'src/extensions': ['src/social', 'src/core', 'src/config', 'src/llm', 'src/metrics', 'src/store', 'src/runner', 'src/checkpoint', 'src/correction', 'src/datasets', 'src/distill'],
  'src/cli': ['*'],
  'src/simulate': ['*'],
  'src/index': ['*'],
  'src/engine': ['*'],
  agents: ['src/core'],
  scenarios: ['src/core', 'agents', 'src/data', 'src/fidelity', 'src/uplift'],
  workers: ['src/runner', 'src/extensions', 'src/core'],
}

const pureLogic = ['src/core/**/*.ts', 'agents/**/*.ts', 'scenarios/**/*.ts']

const impureProperties = [
  { object: 'Math', property: 'random', message: 'Use the Rng passed in (seeded by run, agent, round).' },
  { object: 'Date', property: 'now', message: 'Time comes in as an argument (round), not from the clock.' },
  { object: 'performance', property: 'now', message: 'Time comes in as an argument, not from the clock.' },
]
const impureGlobals = [
  { name: 'fetch', message: 'No I/O in per-agent or policy logic: run a typed task (ctx.task) instead.' },
  { name: 'setTimeout', message: 'No timers in per-agent or policy logic.' },
  { name: 'setInterval', message: 'No timers in per-agent or policy logic.' },
]
const impureSyntax = [
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'No clock reads in per-agent or policy logic.' },
  { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'No environment reads in per-agent or policy logic.' },
]

const SQL = 'SQL lives in src/store and in the features\' repositories (files named *-repo.ts): call their functions instead.'
const sqlSyntax = [
  { selector: "CallExpression[callee.property.name=/^(prepare|pragma)$/]", message: SQL },
  { selector: "CallExpression[callee.property.name=/^(exec|transaction)$/][callee.object.name='db']", message: SQL },
  { selector: "CallExpression[callee.property.name=/^(exec|transaction)$/][callee.object.property.name='db']", message: SQL },
]

const ioModules = ['node:fs', 'fs', 'node:fs/promises', 'node:http', 'node:https', 'node:net', 'node:child_process', 'better-sqlite3', 'bullmq', 'ioredis', '@langchain/*', 'langchain', 'langchain/*']

/** The layers a folder may not import: every known layer it is not allowed. */
function forbidden(layer) {
  const allowed = LAYERS[layer]
  if (allowed.includes('*')) return []
  return Object.keys(LAYERS).filter((l) => l !== layer && !allowed.includes(l) && !['src/index', 'src/engine', 'src/simulate'].includes(l))
}

/** A glob of a layer's files, and import patterns that reach it from anywhere. */
const filesOf = (layer) => (layer.startsWith('src/') && ['src/index', 'src/engine', 'src/simulate'].includes(layer) ? [`${layer}.ts`] : [`${layer}/**/*.ts`])
const patternsOf = (layer) => {
  const name = layer.startsWith('src/') ? layer.slice(4) : layer
  return [`**/${name}/**`, `**/${name}`]
}

function layerRules(layer) {
  const no = forbidden(layer)
  const io = ['src/core', 'agents', 'src/metrics'].includes(layer) || layer === 'scenarios'
  const patterns = no.map((l) => ({ group: patternsOf(l), message: `${layer} may not import ${l} (see LAYERS in eslint.config.js and docs/ARCHITECTURE.md).` }))
  if (io && layer !== 'scenarios') patterns.push({ group: ioModules, message: 'No I/O here: the runner and the llm/store layers do I/O.' })
  return patterns.length ? { 'no-restricted-imports': ['error', { patterns }] } : {}
}

const pure = (layer) => pureLogic.some((g) => g.startsWith(layer))
const sqlAllowed = (layer) => layer === 'src/store'

export default tseslint.config(
  { ignores: ['node_modules/**', 'scratch/**', '**/*.mjs', 'eslint.config.js', 'examples/policies/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {},
  },
  ...Object.keys(LAYERS).map((layer) => ({
    files: filesOf(layer),
    rules: {
      ...layerRules(layer),
      ...(pure(layer) ? { 'no-restricted-properties': ['error', ...impureProperties], 'no-restricted-globals': ['error', ...impureGlobals] } : {}),
      'no-restricted-syntax': ['error', ...(pure(layer) ? impureSyntax : []), ...(sqlAllowed(layer) ? [] : sqlSyntax)],
    },
  })),
  // A feature's repository owns the SQL of its tables.
  {
    files: ['src/**/*-repo.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
)
