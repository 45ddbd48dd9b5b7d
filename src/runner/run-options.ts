import { z } from 'zod'
import { SimError, type PolicyFactory, type ScenarioDef } from '../core/index.ts'

// What a `--set` key most likely meant when it names a run setting rather than a parameter.
const RUN_FLAGS: Record<string, string> = {
  agents: '--agents', rounds: '--rounds', slate: '--slate', seed: '--seed', catalog: '--catalog', catalogSize: '--catalog', policy: '--policy',
}

function unknownKeys(given: Record<string, unknown>, schema: z.ZodObject<z.ZodRawShape> | undefined): string[] {
  const known = new Set(Object.keys(schema?.shape ?? {}))
  return Object.keys(given).filter((k) => !known.has(k))
}

function hint(key: string, prefix: string): string {
  const flag = RUN_FLAGS[key]
  return flag && !prefix ? ` (${key} is not a parameter: \`run\` takes ${flag}; a branch keeps its parent's)` : ''
}

/** One line per issue, naming the `--set` key. */
function issueLines(error: z.ZodError, prefix: string): string {
  return error.issues.map((i) => `  ${prefix}${i.path.join('.')}: ${i.message}`).join('\n')
}

/** "a, b, c": the keys of a schema. */
function knownList(schema: z.ZodObject<z.ZodRawShape> | undefined, prefix: string): string {
  const keys = Object.keys(schema?.shape ?? {})
  return keys.length ? keys.map((k) => `${prefix}${k}`).join(', ') : 'none'
}

/**
 * The scenario parameters of `--set key=value`, checked against the scenario's declared
 * `params` (zod object): an unknown key is refused with the known ones, a bad value names
 * the key. Returns them parsed (defaults filled).
 */
export function checkScenarioParams(scenario: ScenarioDef, params: Record<string, unknown>): Record<string, unknown> {
  const schema = scenario.params
  const unknown = unknownKeys(params, schema)
  if (unknown.length) {
    const k = unknown[0]!
    throw new SimError(
      'USAGE',
      `unknown --set key "${k}" for scenario "${scenario.name}"${hint(k, '')}; its parameters: ${knownList(schema, '')}; policy options are set as policy.<option>`,
    )
  }
  if (!schema) return params
  const parsed = schema.safeParse(params)
  if (!parsed.success) throw new SimError('USAGE', `invalid --set for scenario "${scenario.name}":\n${issueLines(parsed.error, '')}`)
  return parsed.data as Record<string, unknown>
}

/**
 * The options of `--set policy.key=value`, checked against what the policy's factory
 * declares (see `withOptions`); a factory that declares none takes none.
 */
export function checkPolicyOptions(policy: string, factory: PolicyFactory, options: Record<string, unknown>): Record<string, unknown> {
  const schema = factory.options
  const unknown = unknownKeys(options, schema)
  if (unknown.length) {
    throw new SimError('USAGE', `unknown option policy.${unknown[0]} for policy "${policy}"; its options: ${knownList(schema, 'policy.')}`)
  }
  if (!schema) return options
  const parsed = schema.safeParse(options)
  if (!parsed.success) throw new SimError('USAGE', `invalid option for policy "${policy}":\n${issueLines(parsed.error, 'policy.')}`)
  return parsed.data as Record<string, unknown>
}
