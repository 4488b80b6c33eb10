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
    // expect.poll waits for a browser or a server to reach a state: on a loaded 2-core machine the
    // widget can take seconds to start, so a poll gives up after 10 s, not vitest's 1 s.
    expect: { poll: { timeout: 10_000, interval: 50 } },
  },
});
