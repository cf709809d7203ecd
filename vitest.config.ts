import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // After the whole suite: no key or admin token in any log line, row or answer of its gateways.
    globalSetup: ['test/secret-scan/global-setup.ts'],
  },
});
