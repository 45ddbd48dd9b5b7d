/**
 * Writes the protocol's JSON Schemas to docs/external-policies.schema.json.
 *
 * @example
 * npx tsx src/external/write-schema.ts            # after changing src/external/protocol.ts
 */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { protocolJsonSchemas } from './protocol.ts'

/** Where the schemas live in the repository. */
export const SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'external-policies.schema.json')

/** The file's exact content (stable key order, two-space indent, final newline). */
export function protocolSchemaText(): string {
  return JSON.stringify(protocolJsonSchemas(), null, 2) + '\n'
}

/** Writes the schemas to `file` (default: docs/external-policies.schema.json) and returns the path. */
export function writeProtocolSchema(file: string = SCHEMA_FILE): string {
  writeFileSync(file, protocolSchemaText())
  return file
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`wrote ${writeProtocolSchema()}`)
}
