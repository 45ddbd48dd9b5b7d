import { resolve } from 'node:path'
import { z } from 'zod'
import { SimError } from '../core/index.ts'
import { loadDatasetCached } from './cache.ts'
import { DATA_FORMATS, type DataFormat } from './types.ts'

/** `--data DIR` and `--format F`, shared by `run` and `eval fidelity`. */
export const dataFlag = z.string().min(1, '--data must name a directory').optional()
export const formatFlag = z
  .enum(DATA_FORMATS as [DataFormat, ...DataFormat[]], { message: `--format must be one of ${DATA_FORMATS.join(', ')}` })
  .optional()

/**
 * Turns `--data`/`--format` into scenario params (an absolute directory, so threads and
 * workers agree) and, unless `--agents` was given, sizes the population to the dataset's
 * users. Reads the data now, so a malformed file fails before a run is created.
 */
export function applyDataFlags(
  flags: { data?: string; format?: DataFormat; agents?: number },
  params: Record<string, unknown>,
): { params: Record<string, unknown>; agents?: number } {
  if (!flags.data) {
    if (flags.format) throw new SimError('USAGE', '--format needs --data DIR')
    return { params, agents: flags.agents }
  }
  const dir = resolve(flags.data)
  const data = loadDatasetCached(dir, flags.format)
  return { params: { ...params, data: dir, ...(flags.format ? { format: flags.format } : {}) }, agents: flags.agents ?? data.users.length }
}
