// Walks the demo in headless Chromium and saves a screenshot of each step for README:
//   npx tsx scripts/screenshot-demo.ts   → docs/images/demo-*.png
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD } from '../demo/emulator/seed-users.js';
import { startDemoStack } from '../demo/stack.js';
import { launchChromium } from '../test/support/browser.js';

const outDir = fileURLToPath(new URL('../docs/images/', import.meta.url));
await mkdir(outDir, { recursive: true });

const stack = await startDemoStack();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 720 }, deviceScaleFactor: 1 });
  const shoot = (name: string) => page.screenshot({ path: `${outDir}demo-${name}.png`, fullPage: true });

  await page.goto(`${stack.siteOrigin}/`);
  await shoot('1-app');
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.locator('#email').fill('grace@example.com');
  await page.locator('#password').fill(DEMO_PASSWORD);
  await shoot('2-login');
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/complete-profile');
  await page.getByLabel('Company').waitFor();
  await page.getByLabel('Company').fill('US Navy');
  await page.getByLabel('Job title').fill('Rear Admiral');
  await page.getByLabel('Team size').selectOption('51+');
  await shoot('3-form');
  await page.locator('progressive-profile').getByRole('button', { name: /save/i }).click();
  await page.waitForURL((url) => url.pathname === '/callback');
  await shoot('4-back-in-the-app');
  console.log(`screenshots written to ${outDir}`);
} finally {
  await browser.close();
  await stack.close();
}
