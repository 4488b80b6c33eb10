// Browser tests of the widget (test/widget/**/*.test.ts) in the system Chromium, headless.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';

export default {
  files: ['test/widget/**/*.test.ts'],
  nodeResolve: { exportConditions: ['production'] },
  plugins: [esbuildPlugin({ ts: true, tsconfig: 'tsconfig.json' })],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: '/usr/bin/chromium',
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
  reporters: [defaultReporter({ reportTestResults: true, reportTestProgress: false })],
};
