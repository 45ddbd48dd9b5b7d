import type { Command } from 'commander'
import { z } from 'zod'
import { SimError } from '../../core/index.ts'
import { startOpenAiTestServer, type FaultKind } from '../../llm/testing/openai-test-server.ts'
import { scriptedUserAnswer } from '../../llm/testing/scripted-user-model.ts'
import { collect, intFlag, parseFlags } from '../flags.ts'

const FAULT_KINDS = ['rate-limit', 'server-error', 'slow', 'reset', 'malformed', 'schema-break'] as const

const flagsSchema = z.object({
  port: intFlag('--port', 0, 65_535),
  latency: intFlag('--latency', 0, 600_000),
  capacity: intFlag('--capacity', 1, 1_000_000),
  model: z.array(z.string().min(1)).optional(),
  faultRate: z.string().regex(/^(0(\.\d+)?|1(\.0+)?)$/, '--fault-rate must be a number between 0 and 1').transform(Number).optional(),
  faults: z.string().optional(),
  seed: intFlag('--seed', 0, 2 ** 31 - 1),
  tokens: z.enum(['tiktoken', 'estimate'], { message: '--tokens must be tiktoken or estimate' }).default('tiktoken'),
  json: z.boolean().default(false),
  overflow: z.enum(['queue', 'reject'], { message: '--overflow must be queue or reject' }).default('queue'),
  script: z.enum(['user'], { message: '--script must be user' }).optional(),
})

/** `usersim mock-llm`: the test server as a command, to dry-run a scenario with --llm openai. */
export function registerMockLlm(program: Command): void {
  program
    .command('mock-llm')
    .description('serve a mock OpenAI-compatible model on 127.0.0.1 (answers fit each request\'s JSON schema) to dry-run --llm openai')
    .option('--port <n>', 'port (default 8399; 0 picks a free one)')
    .option('--latency <ms>', 'time to answer one request (default 50)')
    .option('--capacity <n>', 'requests served at once; more wait in a queue (default 256)')
    .option('--overflow <how>', 'past --capacity: queue (default, like vLLM) or reject with 429 (like hosted APIs)')
    .option('--model <name>', 'model name served (repeatable; default test-model)', collect)
    .option('--fault-rate <p>', 'share of requests that fail (default 0)')
    .option('--faults <kinds>', `comma-separated fault kinds for --fault-rate (${FAULT_KINDS.join(', ')}); default: all`)
    .option('--seed <n>', 'seed of the fault draws')
    .option('--tokens <how>', 'usage figures: tiktoken (exact, default) or estimate (cheap, for throughput tests)')
    .option('--json', 'print the address as JSON', false)
    .option('--script <name>', 'scripted answers: user (the AILO user follows stated likes literally and prefers cheaper items; the test bed of `usersim distill`)')
    .action(async (raw: Record<string, unknown>) => {
      const f = parseFlags(flagsSchema, raw)
      const kinds = (f.faults ? f.faults.split(',').map((k) => k.trim()) : [...FAULT_KINDS]) as FaultKind[]
      const bad = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k))
      if (bad.length) throw new SimError('USAGE', `unknown fault kind(s) ${bad.join(', ')} (known: ${FAULT_KINDS.join(', ')})`)
      const server = await startOpenAiTestServer({
        port: f.port ?? 8399,
        latencyMs: f.latency ?? 50,
        capacity: f.capacity ?? 256,
        overflow: f.overflow,
        models: f.model?.length ? f.model : ['test-model'],
        randomFaults: f.faultRate ? { rate: f.faultRate, kinds, seed: f.seed } : undefined,
        tokens: f.tokens,
        keepRequests: false,
        answer: f.script === 'user' ? scriptedUserAnswer() : undefined,
      })
      const models = f.model?.length ? f.model : ['test-model']
      if (f.json) process.stdout.write(JSON.stringify({ url: server.url, models }) + '\n')
      else {
        process.stdout.write(
          `mock model server on ${server.url} (models: ${models.join(', ')}); Ctrl-C to stop\n` +
            `try: npx usersim run feed --agents 200 --rounds 2 --llm openai --model ${models[0]} --base-url ${server.url}\n`,
        )
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      await server.close()
      const s = server.stats
      process.stderr.write(`served ${s.ok} of ${s.requests} requests; peak ${s.peakOpen} open; faults ${JSON.stringify(s.faults)}\n`)
    })
}
