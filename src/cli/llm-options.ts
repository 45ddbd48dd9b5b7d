import type { Command } from 'commander'
import { z } from 'zod'
import { SimError } from '../core/index.ts'
import { preflight } from '../llm/preflight.ts'
import { splitUrlCredentials } from '../llm/url-credentials.ts'
import { DEFAULT_ENDPOINT_CONCURRENCY, logPromptsSchema, openAiSettingsSchema, type LlmSettings } from '../llm/settings.ts'
import { collect, intFlag, parseFlags } from './flags.ts'
import { parseAgentModels } from '../llm/agent-models.ts'

/** Adds the LLM backend flags to a command (run, resume, ...). */
export function addLlmOptions(cmd: Command): Command {
  return cmd
    .option('--llm <backend>', 'task backend: surrogate (default) or openai (any OpenAI-compatible server)')
    .option('--model <name>', 'model for every task (with --llm openai)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (repeatable; default $OPENAI_BASE_URL)', collect)
    .option('--task-model <task=model>', 'model for one task (repeatable)', collect)
    .option('--agent-models <model=share,...>', 'a mixed population: each agent gets one of these models by share, stratified by persona (e.g. llama-8b=0.7,qwen-7b=0.3)')
    .option('--model-endpoint <model=url>', "an endpoint of one model of --agent-models (repeatable); a model without one uses --base-url", collect)
    .option('--no-cache', 'do not use the response cache')
    .option('--logprobs', 'ask the server for token log-probabilities and store them with the dataset traces (export --format trajectories)')
    .option('--log-prompts <mode>', 'keep prompts and outputs: all (default), none or sample:RATE')
    .option(
      '--llm-concurrency <n>',
      `most requests in flight per endpoint, one number or one per --base-url; the limit adapts below it (default ${DEFAULT_ENDPOINT_CONCURRENCY}); fixed:N holds it at N`,
    )
    .option('--rpm <n>', 'requests per minute across endpoints')
    .option('--tpm <n>', 'tokens per minute across endpoints')
    .option('--llm-timeout <ms>', 'timeout of one model request in ms (default 60000)')
    .option('--temperature <t>', 'sampling temperature (default 0: answers are cached)')
    .option('--llm-seed <n>', 'sampling seed; each call gets one derived from it (answers are cached)')
}

const flagsSchema = z.object({
  llm: z.enum(['surrogate', 'openai'], { message: '--llm must be surrogate or openai' }).default('surrogate'),
  model: z.string().min(1).optional(),
  baseUrl: z.array(z.string()).optional(),
  taskModel: z.array(z.string()).optional(),
  agentModels: z.string().optional(),
  modelEndpoint: z.array(z.string()).optional(),
  cache: z.boolean().default(true),
  logprobs: z.boolean().default(false),
  logPrompts: z.string().optional(),
  llmConcurrency: z
    .string()
    .regex(/^(fixed:)?\d+(,\d+)*$/, '--llm-concurrency must be a whole number or a comma-separated list, optionally after fixed: (e.g. 256, 64,128 or fixed:64)')
    .optional(),
  rpm: intFlag('--rpm', 1),
  tpm: intFlag('--tpm', 1),
  llmTimeout: intFlag('--llm-timeout', 100, 3_600_000),
  temperature: z.string().regex(/^\d+(\.\d+)?$/, '--temperature must be a number between 0 and 2').transform(Number).optional(),
  llmSeed: intFlag('--llm-seed', 0, 2 ** 31 - 1),
})

/**
 * Turns the LLM flags into settings and checks the endpoints (preflight) before any run
 * is created: a server that is down, refuses the key or lacks the model stops here.
 * Threads and agents in flight follow from the settings (see executionPlan).
 */
export async function llmFromFlags(raw: Record<string, unknown>, ctx: { db: string; json?: boolean }): Promise<LlmSettings | undefined> {
  const f = parseFlags(flagsSchema, raw)
  if (f.llm === 'surrogate') {
    const stray = (['model', 'baseUrl', 'taskModel', 'agentModels', 'modelEndpoint'] as const).filter((k) => f[k] !== undefined)
    if (stray.length) throw new SimError('USAGE', `--model, --base-url, --task-model, --agent-models and --model-endpoint need --llm openai`)
    return undefined
  }
  const agentModels = f.agentModels === undefined ? undefined : parseAgentModels(f.agentModels)
  if (typeof agentModels === 'string') throw new SimError('USAGE', `--agent-models: ${agentModels}`)
  const model = f.model ?? agentModels?.[0]?.model
  if (!model) throw new SimError('USAGE', '--llm openai needs --model NAME (the model name the server serves) or --agent-models')
  const given = (f.baseUrl?.length ? f.baseUrl : [process.env.OPENAI_BASE_URL || 'https://api.openai.com/v1']).map(splitUrlCredentials)
  useUrlSecret(given.map((g) => g.secret))
  const urls = given.map((g) => g.url)
  const fixed = f.llmConcurrency?.startsWith('fixed:') ?? false
  const conc = (f.llmConcurrency ?? String(DEFAULT_ENDPOINT_CONCURRENCY)).replace(/^fixed:/, '').split(',').map(Number)
  if (conc.length !== 1 && conc.length !== urls.length) {
    throw new SimError('USAGE', `--llm-concurrency lists ${conc.length} numbers for ${urls.length} --base-url endpoints`)
  }
  if (conc.some((c) => c < 1)) throw new SimError('USAGE', '--llm-concurrency must be at least 1')
  const taskModels: Record<string, string> = {}
  for (const tm of f.taskModel ?? []) {
    const eq = tm.indexOf('=')
    if (eq <= 0 || eq === tm.length - 1) throw new SimError('USAGE', `--task-model expects task=model (got "${tm}")`)
    taskModels[tm.slice(0, eq).trim()] = tm.slice(eq + 1).trim()
  }
  const modelEndpoints: Record<string, Array<{ url: string; concurrency: number }>> = {}
  for (const me of f.modelEndpoint ?? []) {
    const eq = me.indexOf('=')
    const name = me.slice(0, eq).trim()
    if (eq <= 0 || eq === me.length - 1) throw new SimError('USAGE', `--model-endpoint expects model=url (got "${me}")`)
    if (!agentModels?.some((m) => m.model === name)) throw new SimError('USAGE', `--model-endpoint names "${name}", which is not one of --agent-models`)
    const g = splitUrlCredentials(me.slice(eq + 1).trim())
    useUrlSecret([...given.map((x) => x.secret), g.secret])
    ;(modelEndpoints[name] ??= []).push({ url: g.url.replace(/\/+$/, ''), concurrency: conc[0]! })
  }
  if (f.logPrompts !== undefined && !logPromptsSchema.safeParse(f.logPrompts).success) {
    throw new SimError('USAGE', `--log-prompts must be all, none or sample:RATE with RATE between 0 and 1 (got "${f.logPrompts}")`)
  }
  const parsed = openAiSettingsSchema.safeParse({
    backend: 'openai',
    model,
    agentModels: agentModels && { models: agentModels },
    modelEndpoints,
    endpoints: urls.map((url, i) => ({ url: url.replace(/\/+$/, ''), concurrency: conc[conc.length === 1 ? 0 : i] })),
    taskModels,
    temperature: f.temperature,
    seed: f.llmSeed,
    timeoutMs: f.llmTimeout,
    rpm: f.rpm,
    tpm: f.tpm,
    cache: f.cache,
    logprobs: f.logprobs,
    cacheFile: ctx.db,
    logPrompts: f.logPrompts,
    adaptive: { enabled: !fixed },
  })
  if (!parsed.success) throw new SimError('USAGE', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
  const results = await preflight(parsed.data)
  if (!ctx.json && process.stderr.isTTY) {
    for (const r of results) process.stderr.write(`llm: ${r.url} ok (${r.via === 'models' ? 'models list' : 'test call'}, ${Math.round(r.ms)} ms)\n`)
  }
  return parsed.data
}

/**
 * A key written into --base-url (`http://apikey:KEY@host/v1`) is this command's API key,
 * as OPENAI_API_KEY would be (threads inherit it); it is cut out of the URL, so it is
 * never stored or shown, and `resume` then needs OPENAI_API_KEY.
 */
function useUrlSecret(secrets: (string | undefined)[]): void {
  const keys = [...new Set(secrets.filter((k): k is string => !!k))]
  if (keys.length > 1) throw new SimError('USAGE', 'the --base-url endpoints carry different credentials; give the one API key in OPENAI_API_KEY instead')
  if (keys.length === 1) process.env.OPENAI_API_KEY = keys[0]
}

/** Checks a stored run's model endpoints again before it continues (resume, branch). */
export async function preflightStored(llm: LlmSettings | undefined): Promise<void> {
  if (llm?.backend === 'openai') await preflight(llm)
}
