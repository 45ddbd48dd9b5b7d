// Lint guards the architecture: pure per-agent and policy logic, and imports that point one way
// (cli → runner → llm/store → core). Style is left to review.
import tseslint from 'typescript-eslint'

const pureLogic = ['src/core/**/*.ts', 'agents/**/*.ts', 'scenarios/**/*.ts']

const impure = {
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Use the Rng passed in (seeded by run, agent, round).' },
    { object: 'Date', property: 'now', message: 'Time comes in as an argument (round), not from the clock.' },
    { object: 'performance', property: 'now', message: 'Time comes in as an argument, not from the clock.' },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'fetch', message: 'No I/O in per-agent or policy logic: run a typed task (ctx.task) instead.' },
    { name: 'setTimeout', message: 'No timers in per-agent or policy logic.' },
    { name: 'setInterval', message: 'No timers in per-agent or policy logic.' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'No clock reads in per-agent or policy logic.' },
    { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'No environment reads in per-agent or policy logic.' },
  ],
}

const ioModules = ['node:fs', 'fs', 'node:fs/promises', 'node:http', 'node:https', 'node:net', 'node:child_process', 'better-sqlite3', 'bullmq', 'ioredis', '@langchain/*', 'langchain', 'langchain/*']

/** Bans imports of the given folders (and I/O modules, where `io` is set). */
function restrictImports(message, folders, io = false) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...folders.map((f) => ({ group: [`**/${f}/**`, `**/${f}`], message })),
          ...(io ? [{ group: ioModules, message: 'No I/O here: the runner and the llm/store layers do I/O.' }] : []),
        ],
      },
    ],
  }
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'scratch/**', '**/*.mjs', 'eslint.config.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {},
  },
  {
    files: pureLogic,
    rules: impure,
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrictImports('src/core is the bottom layer: it imports nothing of the project above it.', ['runner', 'store', 'llm', 'cli', 'metrics', 'agents', 'scenarios', 'report', 'datasets', 'checkpoint', 'correction'], true),
  },
  {
    files: ['agents/**/*.ts'],
    rules: restrictImports('agents/ depends on src/core only (pure logic, no runner, store, llm or cli).', ['src/runner', 'src/store', 'src/llm', 'src/cli', 'scenarios'], true),
  },
  {
    files: ['src/metrics/**/*.ts'],
    rules: restrictImports('metrics are pure functions over core types.', ['runner', 'store', 'llm', 'cli'], true),
  },
  {
    files: ['src/store/**/*.ts'],
    rules: restrictImports('the store sits below the runner and the cli.', ['src/runner', 'runner', 'cli']),
  },
  {
    files: ['src/llm/**/*.ts'],
    rules: restrictImports('the llm layer sits below the runner and the cli.', ['runner', 'cli']),
  },
  {
    files: ['src/runner/**/*.ts'],
    rules: restrictImports('the runner does not know the cli.', ['cli']),
  },
)
