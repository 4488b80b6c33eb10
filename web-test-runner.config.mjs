// Browser tests of the widget (test/widget/**/*.test.ts) in the system Chromium, headless. The dev
// server also answers pages under a strict Content-Security-Policy header with a fake server on a
// second origin (test/widget/strict-csp-pages.mjs) and the bundle built from the current sources
// (test/widget/built-widget.mjs).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { builtWidget } from './test/widget/built-widget.mjs';
import { strictCspPages } from './test/widget/strict-csp-pages.mjs';

export default {
  files: ['test/widget/**/*.test.ts'],
  nodeResolve: { exportConditions: ['production'] },
  plugins: [esbuildPlugin({ ts: true, tsconfig: 'tsconfig.json' })],
  middleware: [strictCspPages(), builtWidget()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--disable-background-networking',
          '--disable-component-update',
        ],
      },
    }),
  ],
  concurrency: 1,
  testFramework: { config: { timeout: 5000 } },
  testsFinishTimeout: 120_000,
  reporters: [defaultReporter({ reportTestResults: true, reportTestProgress: false }), summaryReporter()],
};

/** One closing line, "Widget tests: N passed, N failed", so a log shows the count at a glance. */
function summaryReporter() {
  return {
    onTestRunFinished({ sessions }) {
      let passed = 0;
      let failed = 0;
      const visit = (suite) => {
        for (const test of suite?.tests ?? []) {
          if (test.skipped) continue;
          if (test.passed) passed += 1;
          else failed += 1;
        }
        for (const child of suite?.suites ?? []) visit(child);
      };
      for (const session of sessions) visit(session.testResults);
      console.log(`Widget tests: ${passed} passed, ${failed} failed`);
    },
  };
}
