import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['base/**/*.test.ts', 'src/**/*.test.ts', 'app/**/*.test.ts', 'datasets/**/*.test.ts', 'eval/**/*.test.ts', 'kernels/**/*.test.ts', 'tests/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
