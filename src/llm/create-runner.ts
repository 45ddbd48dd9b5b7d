import type { RecordingTaskRunner } from '../core/index.ts'
import { surrogateRunner } from './surrogate-runner.ts'

/**
 * How a run's tasks execute. `surrogate` (the default) needs nothing; the LLM layer
 * adds model backends. The settings are plain data: they travel to threads and workers.
 */
export interface LlmSettings {
  backend: 'surrogate'
}

export const SURROGATE: LlmSettings = { backend: 'surrogate' }

/** Builds the task runner for one thread or worker. */
export async function createTaskRunner(settings: LlmSettings = SURROGATE): Promise<RecordingTaskRunner> {
  switch (settings.backend) {
    case 'surrogate':
      return surrogateRunner()
  }
}
