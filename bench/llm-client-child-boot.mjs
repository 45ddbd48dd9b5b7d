// Worker threads start without the TypeScript loader: register tsx, then load the client.
import { register } from 'tsx/esm/api'

register()
await import('./llm-client-child.ts')
