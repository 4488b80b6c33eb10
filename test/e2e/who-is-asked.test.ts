// Who is asked, and when, in Chromium through the demo's two applications (`--scenario apps`):
// the CRM asks company then job title, one question per sign-in (PROFILE_MAX_FIELDS=1); the shop
// only ever asks for the company; after PROFILE_MAX_SKIPS skips the form offers no skip.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_FIELDS_FILE } from '../../demo/stack.js';
import { askedLabels, signIn, submitButton, useBrowser } from './support.js';

const { withStack } = useBrowser();
const CRM = '?app=demo-crm';
const SHOP = '?app=demo-shop';
const OPTIONAL = ['Team size', 'Topics you care about', 'Mobile phone', 'Send me the monthly product newsletter'];

describe('who is asked, and when', () => {
  it('asks one question per sign-in, in the order PROFILE_FIELDS lists them', async () => {
    await withStack({ scenario: 'apps' }, async (stack, page) => {
      await signIn(page, stack, 'grace@example.com', CRM);
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      expect(await askedLabels(page)).toEqual(['Company', ...OPTIONAL]);
      await page.getByLabel('Company').fill('US Navy');
      await submitButton(page).click();
      await page.waitForURL((url) => url.pathname === '/callback');

      await signIn(page, stack, 'grace@example.com', `${CRM}&prompt=login`);
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      expect(await askedLabels(page)).toEqual(['Job title', ...OPTIONAL]);
      await page.getByLabel('Job title').fill('Rear Admiral');
      await submitButton(page).click();
      await page.waitForURL((url) => url.pathname === '/callback');
      expect(stack.emulator.users.findByEmail('grace@example.com')?.user_metadata).toMatchObject({
        company_name: 'US Navy',
        job_title: 'Rear Admiral',
      });

      // Complete now: the third sign-in goes straight back to the app.
      await signIn(page, stack, 'grace@example.com', `${CRM}&prompt=login`);
      await page.waitForURL((url) => url.pathname === '/callback');
    });
  });

  it('asks each application only for its own fields', async () => {
    await withStack({ scenario: 'apps' }, async (stack, page) => {
      // Alan has a company but no job title: the shop needs nothing more from him.
      await signIn(page, stack, 'alan@example.com', SHOP);
      await page.waitForURL((url) => url.pathname === '/callback');
      expect(await page.locator('h1').innerText()).toContain('Alan Turing');
      expect(await page.locator('main').innerText()).toContain('Acme Shop');

      // The CRM asks him for the job title.
      await signIn(page, stack, 'alan@example.com', `${CRM}&prompt=login`);
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      expect(await askedLabels(page)).toEqual(['Job title', ...OPTIONAL]);
    });
  });

  it('offers no skip once the user has skipped as often as PROFILE_MAX_SKIPS allows', async () => {
    await withStack({ scenario: 'apps', actionSecrets: { PROFILE_MAX_SKIPS: '1' } }, async (stack, page) => {
      const skip = () => page.locator('progressive-profile').getByRole('button', { name: /remind me later/i });
      await signIn(page, stack, 'grace@example.com', CRM);
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      await skip().click();
      await page.waitForURL((url) => url.pathname === '/callback');
      expect(stack.emulator.users.findByEmail('grace@example.com')?.app_metadata).toMatchObject({
        progressive_profile_skips: 1,
        progressive_profile_snoozed_fields: ['company_name'],
      });

      // The snooze covers the company only: the next sign-in asks for the job title, without a skip.
      await signIn(page, stack, 'grace@example.com', `${CRM}&prompt=login`);
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      expect(await askedLabels(page)).toEqual(['Job title', ...OPTIONAL]);
      await expect.poll(() => submitButton(page).isVisible()).toBe(true);
      expect(await skip().count()).toBe(0);
    });
  });
});

describe('versioned consent', () => {
  it('asks again for terms accepted in an older version, and stores the new version', async () => {
    const form = JSON.parse(readFileSync(DEMO_FIELDS_FILE, 'utf8')) as { fields: Array<Record<string, unknown>> };
    for (const field of form.fields) if (field.id === 'terms') field.version = '2027-01';
    const directory = mkdtempSync(join(tmpdir(), 'pp-terms-'));
    const fieldsFile = join(directory, 'fields.json');
    writeFileSync(fieldsFile, JSON.stringify(form));
    try {
      await withStack(
        {
          serverEnv: { PROFILE_FIELDS_FILE: fieldsFile },
          actionSecrets: { PROFILE_FIELDS: 'company_name,job_title,app_metadata:terms@2027-01' },
        },
        async (stack, page) => {
          // Linus accepted version 2026-11: complete before, asked for the terms alone now.
          await signIn(page, stack, 'linus@example.com');
          await page.waitForURL((url) => url.pathname === '/complete-profile');
          expect(await askedLabels(page)).toEqual(['Team size', 'Topics you care about', 'Mobile phone', 'I accept the terms of service', 'Send me the monthly product newsletter']);
          await page.getByRole('checkbox', { name: /I accept the terms of service/ }).check();
          await submitButton(page).click();
          await page.waitForURL((url) => url.pathname === '/callback');
          expect(stack.emulator.users.findByEmail('linus@example.com')?.app_metadata.terms).toEqual({
            version: '2027-01',
            accepted_at: expect.any(String),
          });

          await signIn(page, stack, 'linus@example.com', '?prompt=login');
          await page.waitForURL((url) => url.pathname === '/callback');
        },
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
