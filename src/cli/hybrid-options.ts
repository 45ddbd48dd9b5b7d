import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { z } from 'zod'
import { SimError } from '../core/index.ts'
import { surrogateProfileSchema, type HybridSettings, type SurrogateProfile } from '../config/index.ts'
import { checkProfile } from '../distill/distill-run.ts'
import type { LlmSettings } from '../llm/settings.ts'
import { collect, parseFlags } from './flags.ts'

/** Adds the distilled-surrogate and hybrid flags to `run`. */
export function addHybridOptions(cmd: Command): Command {
  return cmd
    .option('--surrogate-profile <file>', 'run the surrogate on a profile fitted by `usersim distill`')
    .option('--model-share <share>', 'with --llm openai: the share of agents (a seeded sample stratified by persona cluster) that runs on the model; the rest run on the surrogate, audited against the model')
    .option('--redistill', 'with --model-share and --surrogate-profile: refit the profile between rounds when the shadow audit leaves the band')
    .option('--price <model=in/out>', 'price of a model per 1M input/output tokens, for the cost figures (repeatable)', collect)
}

const flagsSchema = z.object({
  surrogateProfile: z.string().min(1, '--surrogate-profile must be a file path').optional(),
  modelShare: z.string().regex(/^(0(\.\d+)?|1(\.0+)?)$/, '--model-share must be a share between 0 and 1 (e.g. 0.02)').transform(Number).optional(),
  price: z.array(z.string()).optional(),
  redistill: z.boolean().default(false),
})

function readProfile(file: string): SurrogateProfile {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new SimError('USAGE', `--surrogate-profile ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${(err as Error).message})`}`)
  }
  const p = surrogateProfileSchema.safeParse(raw)
  if (!p.success) throw new SimError('USAGE', `--surrogate-profile ${file} is not a surrogate profile:\n${z.prettifyError(p.error)}`)
  checkProfile(p.data, undefined, `--surrogate-profile ${file}`)
  return p.data
}

function parsePrices(list: readonly string[] = []): HybridSettings['prices'] {
  const prices: HybridSettings['prices'] = {}
  for (const s of list) {
    const m = /^([^=]+)=(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(s.trim())
    if (!m) throw new SimError('USAGE', `--price expects model=input/output per 1M tokens, e.g. gpt-4o-mini=0.15/0.6 (got "${s}")`)
    prices[m[1]!.trim()] = { input: Number(m[2]), output: Number(m[3]) }
  }
  return prices
}

/** The run's hybrid settings from the flags (undefined when none is given). */
export function hybridFromFlags(raw: Record<string, unknown>, llm: LlmSettings | undefined): HybridSettings | undefined {
  const f = parseFlags(flagsSchema, raw)
  if (f.modelShare !== undefined && llm?.backend !== 'openai') throw new SimError('USAGE', '--model-share needs --llm openai (the share of agents that runs on the model)')
  if (f.redistill && (f.modelShare === undefined || f.surrogateProfile === undefined)) throw new SimError('USAGE', '--redistill needs --model-share and --surrogate-profile (it refits the profile on the model-backed calls)')
  if (f.surrogateProfile === undefined && f.modelShare === undefined && !f.price?.length) return undefined
  return {
    profile: f.surrogateProfile ? readProfile(f.surrogateProfile) : undefined,
    modelShare: f.modelShare,
    prices: parsePrices(f.price),
    redistill: f.redistill,
  }
}

export { withAgentModels, withModelSample } from '../distill/strata.ts'
