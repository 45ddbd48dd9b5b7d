// Worker threads start without the TypeScript loader of their parent (vitest, tsx):
// register tsx here, then load the real thread module.
import { register } from 'tsx/esm/api'

register()
await import('./shard-thread.ts')
