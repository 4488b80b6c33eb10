// What the end-to-end tests share: one Chromium for the file, a fresh demo stack and browser
// context per test, and the steps a user takes on the demo site and the tenant's login page.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startDemoStack, type DemoStack, type DemoStackOptions } from '../../demo/stack.js';
import { DEMO_PASSWORD } from '../../demo/emulator/seed-users.js';
import { launchChromium } from '../support/browser.js';

/** Launches Chromium for the test file; `withStack` runs a test against a fresh demo stack. */
export function useBrowser(): { withStack(options: DemoStackOptions, run: (stack: DemoStack, page: Page) => Promise<void>): Promise<void> } {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async withStack(options, run) {
      const stack = await startDemoStack(options);
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await run(stack, page);
      } finally {
        await context.close();
        await stack.close();
      }
    },
  };
}

/** Signs in on the tenant's login page with a password (`query` goes to the demo site's /login, e.g. `?prompt=login`). */
export async function signIn(page: Page, stack: DemoStack, emailOrUsername: string, query = '', password = DEMO_PASSWORD): Promise<void> {
  await page.goto(`${stack.siteOrigin}/login${query}`);
  await page.locator('#email').fill(emailOrUsername);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
}

/** Fills the demo form's required fields: company, job title, and the terms when the form asks for them. */
export async function fillRequiredFields(page: Page, company: string, jobTitle: string): Promise<void> {
  await page.getByLabel('Company').fill(company);
  await page.getByLabel('Job title').fill(jobTitle);
  const terms = page.getByRole('checkbox', { name: /I accept the terms of service/ });
  if ((await terms.count()) > 0) await terms.check();
}

export function submitButton(page: Page) {
  return page.locator('progressive-profile').getByRole('button', { name: /save/i });
}

/** The labels of the fields the form shows. */
export async function askedLabels(page: Page): Promise<string[]> {
  const widget = page.locator('progressive-profile');
  await widget.locator('form').waitFor();
  return widget.locator('label[part~="label"], legend[part~="label"]').evaluateAll((labels) =>
    labels.map((label) => (label.textContent ?? '').replace('*', '').trim()),
  );
}
