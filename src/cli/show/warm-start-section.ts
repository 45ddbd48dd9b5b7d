import type { WarmStartRecord } from '../../store/index.ts'
import type { ShowSection } from './section.ts'

/** `show`: what the run's policy learned from before round 0 (absent for a cold start). */
export const warmStartSection: ShowSection = {
  title: 'Warm start',
  key: 'warmStart',
  collect: (store, runId) => store.warmStart(runId),
  render: (d) => {
    const w = d as WarmStartRecord
    return [
      `${w.kind}: ${w.source}`,
      `${w.batches} batch(es), ${w.users.toLocaleString('en-US')} users, ${w.interactions.toLocaleString('en-US')} interactions, ${w.clicks.toLocaleString('en-US')} consumed items (digest ${w.digest})`,
    ].join('\n')
  },
}
