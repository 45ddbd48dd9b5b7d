import { parquetWriteFile } from 'hyparquet-writer'

/**
 * Writes rows as a Parquet file (hyparquet-writer: pure JavaScript, no native build).
 * Numeric columns become DOUBLE, the others STRING.
 */
export function writeParquetTable<C extends string>(path: string, columns: readonly C[], rows: readonly Record<C, number | string>[]): Promise<void> {
  parquetWriteFile({
    filename: path,
    columnData: columns.map((name) => {
      const numeric = rows.every((r) => typeof r[name] === 'number')
      return numeric
        ? { name, data: Float64Array.from(rows, (r) => r[name] as number), type: 'DOUBLE' as const }
        : { name, data: rows.map((r) => String(r[name])), type: 'STRING' as const }
    }),
  })
  return Promise.resolve()
}
