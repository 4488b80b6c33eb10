import { defineConfig } from 'vitest/config';

// Node-side tests (server, rule, emulator, end-to-end, security). The widget's own tests run in
// Chromium through @web/test-runner (web-test-runner.config.mjs), not here.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/widget/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    silent: 'passed-only',
  },
});
