import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src/config/index.ts'
import { generateCatalog } from '../../src/core/index.ts'
import { catalogBytesPerItem, checkMemory, GENERATED_ITEM_BYTES, heapNeedMb } from '../../src/runner/memory-estimate.ts'
import { threadHeapMb } from '../../src/runner/in-process/thread-executor.ts'

const config = (catalogSize: number, agents = 100) =>
  parseRunConfig({ scenario: 'feed', agents, rounds: 1, slate: 10, policy: 'popularity', seed: 1, catalogSize })
const machine = { mainHeapMb: 4096, machineMb: 24 * 1024 }

describe('catalog memory estimate (issue 13)', () => {
  it('refuses a catalog that cannot fit in this process, saying how much it needs and how to raise the limit', () => {
    expect(() => checkMemory(config(10_000_000), 0, GENERATED_ITEM_BYTES, machine)).toThrow(
      /--catalog 10,000,000 .* needs about 8\.\d GB of heap in this process; its limit is 4\.0 GB\..*--max-old-space-size=\d+/,
    )
  })

  it('counts one copy of the catalog per worker thread against the machine', () => {
    const c = config(3_000_000)
    expect(() => checkMemory(c, 0, GENERATED_ITEM_BYTES, machine)).not.toThrow()
    expect(() => checkMemory(c, 8, GENERATED_ITEM_BYTES, machine)).toThrow(/each of 8 worker threads hold a copy of the catalog; this machine has 24\.0 GB\. Use fewer threads/)
  })

  it('lets ordinary runs through', () => {
    expect(() => checkMemory(config(1_000_000, 100), 2, GENERATED_ITEM_BYTES, machine)).not.toThrow()
    expect(() => checkMemory(config(5000, 100_000), 8, GENERATED_ITEM_BYTES, machine)).not.toThrow()
  })

  // A worker thread's heap limit left the catalog out: --catalog 1000000 ran a thread out of memory.
  it("sizes a worker thread's heap limit for its copy of the catalog", () => {
    const mb = threadHeapMb(config(1_000_000, 100), 2)
    expect(mb).toBeGreaterThan((1_000_000 * 700) / 2 ** 20)
    expect(mb).toBe(heapNeedMb(1_000_000, 50))
  })

  it('sizes items of a scenario from a sample of them', () => {
    const plain = generateCatalog({ seed: 1, size: 200 })
    expect(catalogBytesPerItem(plain)).toBe(GENERATED_ITEM_BYTES)
    const wordy = { ...plain, items: plain.items.map((it) => ({ ...it, description: 'x'.repeat(2000) })) }
    expect(catalogBytesPerItem(wordy)).toBeGreaterThan(4000)
  })
})
