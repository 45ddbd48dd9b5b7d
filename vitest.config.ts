import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run files two at a time so the end-to-end runs do not starve each other.
    maxWorkers: 2,
    pool: 'forks',
  },
})
