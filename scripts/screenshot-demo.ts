// Walks the demo in headless Chromium and saves a screenshot of each step for README:
//   npx tsx scripts/screenshot-demo.ts   → docs/images/demo-*.png, linking-*.png, hosted-page-*.png
// (run `npm run build:widget` first: the hosted page needs the built widget).
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../demo/emulator/seed-users.js';
import { startDemoStack } from '../demo/stack.js';
import { launchChromium } from '../test/support/browser.js';

const outDir = fileURLToPath(new URL('../docs/images/', import.meta.url));
await mkdir(outDir, { recursive: true });

const browser = await launchChromium();
const shooter = (page: Page) => (name: string) => page.screenshot({ path: `${outDir}${name}.png`, fullPage: true });

try {
  // The default flow, on the demo site's own page.
  const stack = await startDemoStack();
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 720 }, deviceScaleFactor: 1 });
    const shoot = shooter(page);
    await page.goto(`${stack.siteOrigin}/`);
    await shoot('demo-1-app');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.locator('#email').fill('grace@example.com');
    await page.locator('#password').fill(DEMO_PASSWORD);
    await shoot('demo-2-login');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/complete-profile');
    await page.getByLabel('Company').waitFor();
    await page.getByLabel('Company').fill('US Navy');
    await page.getByLabel('Job title').fill('Rear Admiral');
    await page.getByRole('radio', { name: 'More than 50 people' }).check();
    await page.getByRole('checkbox', { name: 'Sign-in' }).check();
    await page.getByLabel('Mobile phone', { exact: true }).fill('202 555 0143');
    await page.getByRole('checkbox', { name: /I accept the terms of service/ }).check();
    await shoot('demo-3-form');
    await page.locator('progressive-profile').getByRole('button', { name: /save/i }).click();
    await page.waitForURL((url) => url.pathname === '/callback');
    await shoot('demo-4-back-in-the-app');

    // The server's own hosted page (GET /), rendered on the server, in light and dark.
    for (const scheme of ['light', 'dark'] as const) {
      const hosted = await browser.newPage({ viewport: { width: 640, height: 720 }, deviceScaleFactor: 1, colorScheme: scheme });
      await hosted.goto(`${stack.siteOrigin}/login?prompt=login`);
      await hosted.locator('#email').fill('alan@example.com');
      await hosted.locator('#password').fill(DEMO_PASSWORD);
      await hosted.getByRole('button', { name: 'Continue', exact: true }).click();
      await hosted.waitForURL((url) => url.pathname === '/complete-profile');
      // The same T1, opened on the server's hosted page instead of the demo site's.
      const url = new URL(hosted.url());
      await hosted.goto(`${stack.serverOrigin}/?${url.searchParams.toString()}`);
      await hosted.locator('progressive-profile').getByLabel('Job title').waitFor();
      await shooter(hosted)(`hosted-page-${scheme}`);
      await hosted.close();
    }
  } finally {
    await stack.close();
  }

  // Account linking (`npm run demo -- --scenario link`).
  const link = await startDemoStack({ scenario: 'link' });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 720 }, deviceScaleFactor: 1 });
    const shoot = shooter(page);
    await page.goto(`${link.siteOrigin}/login`);
    await page.getByRole('button', { name: 'Continue with GitHub' }).click();
    await page.getByRole('button', { name: /^Katherine Johnson/ }).click();
    await page.waitForURL((url) => url.pathname === '/complete-profile');
    const widget = page.locator('progressive-profile');
    await widget.getByLabel('Username').fill('kjohnson');
    await widget.getByLabel(/^Password/).fill('Orbit-Math-1962');
    await shoot('linking-1-form');
    await widget.getByRole('button', { name: /save/i }).click();
    await page.waitForURL((url) => url.pathname === '/callback');
    await page.goto(`${link.siteOrigin}/logout`);
    await page.goto(`${link.siteOrigin}/login`);
    await page.locator('#email').fill('kjohnson');
    await page.locator('#password').fill('Orbit-Math-1962');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/callback');
    await shoot('linking-2-same-user');
  } finally {
    await link.close();
  }
  console.log(`screenshots written to ${outDir}`);
} finally {
  await browser.close();
}
