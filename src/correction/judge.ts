import { z } from 'zod'
import { defineTask, type ChatMessage } from '../core/index.ts'

export const judgeActionInput = z.object({
  task: z.string(),
  /** The prompt the agent answered (its persona and observation). */
  prompt: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })),
  output: z.unknown(),
})
export type JudgeActionInput = z.infer<typeof judgeActionInput>

export const judgeActionOutput = z.object({
  correct: z.boolean().describe('the answer follows the instructions and the output format'),
  relevant: z.boolean().describe('the answer is about what the user was shown'),
  consistent: z.boolean().describe('the answer fits the persona and what it said before'),
  critique: z.string().max(400).describe('what is wrong and how to fix it; empty if nothing'),
})
export type JudgeActionOutput = z.infer<typeof judgeActionOutput>

/**
 * The LLM judge (GenSim's correctness / relevance / consistency criteria) on a sampled
 * share of actions. Its surrogate cannot judge and passes everything: the judge only
 * means something on a model backend.
 */
export const judgeAction = defineTask({
  name: 'judge-action',
  version: 1,
  input: judgeActionInput,
  output: judgeActionOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You review one answer a simulated user gave in a recommender-system simulation. Judge whether it is ' +
        'correct (follows the instructions and format), relevant (about what the user was shown) and consistent ' +
        'with the persona. Answer with JSON only.',
    },
    { role: 'user', content: `Task "${i.task}". The user was told:\n${render(i.prompt)}\n\nThe user answered:\n${JSON.stringify(i.output)}` },
  ],
  surrogate: () => ({ correct: true, relevant: true, consistent: true, critique: '' }),
})

function render(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `[${m.role}] ${m.content}`).join('\n')
}
