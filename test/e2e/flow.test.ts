// The whole flow in Debian's Chromium: the demo site → the tenant emulator's login running
// rule/action.js → the form page with the built widget → the server → /continue → back in the app.
import { describe, expect, it } from 'vitest';
import { fillRequiredFields, signIn, submitButton, useBrowser } from './support.js';

const { withStack } = useBrowser();

describe('the whole flow in a browser', () => {
  for (const writeMode of ['management', 'action'] as const) {
    it(`completes a profile and resumes the login (${writeMode === 'management' ? 'Management API writes' : 'the Action writes'})`, async () => {
      await withStack({ writeMode }, async (stack, page) => {
        await signIn(page, stack, 'grace@example.com');
        await page.waitForURL((url) => url.pathname === '/complete-profile');
        await expect.poll(() => new URL(page.url()).searchParams.has('session_token')).toBe(false);
        await expect.poll(() => new URL(page.url()).searchParams.has('state')).toBe(false);
        await page.locator('progressive-profile').getByText('g***@example.com').waitFor();

        await fillRequiredFields(page, 'US Navy', 'Rear Admiral');
        await page.getByRole('combobox', { name: /country/i }).selectOption('GB');
        await page.getByLabel('Mobile phone', { exact: true }).fill('07911 123456');
        await submitButton(page).click();
        await page.waitForURL((url) => url.pathname === '/callback');

        const metadata = await page.locator('#user-metadata').innerText();
        expect(metadata).toContain('US Navy');
        expect(metadata).toContain('Rear Admiral');
        const stored = stack.emulator.users.findByEmail('grace@example.com');
        // The phone in E.164, the consent with its version and the server's time of acceptance.
        expect(stored?.user_metadata).toMatchObject({ company_name: 'US Navy', job_title: 'Rear Admiral', phone: '+447911123456' });
        expect(stored?.app_metadata.terms).toEqual({ version: '2026-11', accepted_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
        expect(Math.abs(Date.parse((stored?.app_metadata.terms as { accepted_at: string }).accepted_at) - Date.now())).toBeLessThan(60_000);
      });
    });
  }

  it('completes a profile through the legacy Rule', async () => {
    await withStack({ extension: 'rule' }, async (stack, page) => {
      await signIn(page, stack, 'grace@example.com');
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      await fillRequiredFields(page, 'Harvard', 'Programmer');
      await submitButton(page).click();
      await page.waitForURL((url) => url.pathname === '/callback');
      expect(await page.locator('#user-metadata').innerText()).toContain('Harvard');
    });
  });

  it('offers to sign in again when the session token expired, keeping what was typed', async () => {
    let offset = 0;
    await withStack({ serverClock: { now: () => Date.now() + offset } }, async (stack, page) => {
      await signIn(page, stack, 'grace@example.com');
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      await fillRequiredFields(page, 'US Navy', 'Rear Admiral');
      offset = 3_600_000;
      await submitButton(page).click();
      const widget = page.locator('progressive-profile');
      await widget.getByRole('link', { name: /sign in again/i }).waitFor();
      expect(await widget.getByLabel('Company').inputValue()).toBe('US Navy');
      expect(stack.emulator.users.findByEmail('grace@example.com')?.user_metadata).toEqual({});

      // The draft survives the restart: the next form for Grace is filled in already.
      offset = 0;
      await widget.getByRole('link', { name: /sign in again/i }).click();
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      await expect.poll(() => page.getByLabel('Company').inputValue()).toBe('US Navy');
      expect(await page.getByLabel('Job title').inputValue()).toBe('Rear Admiral');
    });
  });

  it('never shows the form to a user whose profile is complete', async () => {
    await withStack({}, async (stack, page) => {
      await signIn(page, stack, 'linus@example.com');
      await page.waitForURL((url) => url.pathname === '/callback');
      expect(await page.locator('#user-metadata').innerText()).toContain('Linux Foundation');
    });
  });

  it('lets the user skip the form and snoozes the next prompt', async () => {
    await withStack({}, async (stack, page) => {
      await signIn(page, stack, 'grace@example.com');
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      await page.locator('progressive-profile').getByRole('button', { name: /remind me later/i }).click();
      await page.waitForURL((url) => url.pathname === '/callback');
      const snoozedUntil = stack.emulator.users.findByEmail('grace@example.com')?.app_metadata.progressive_profile_snoozed_until;
      expect(typeof snoozedUntil).toBe('string');
      expect(Date.parse(snoozedUntil as string)).toBeGreaterThan(Date.now() + 6 * 86_400_000);

      // Snoozed: the next sign-in goes straight back to the app.
      await signIn(page, stack, 'grace@example.com', '?prompt=login');
      await page.waitForURL((url) => url.pathname === '/callback');
      expect(await page.locator('h1').innerText()).toContain('Grace Hopper');
    });
  });

  it('never redirects a silent (prompt=none) sign-in, even with an incomplete profile', async () => {
    await withStack({}, async (stack, page) => {
      await signIn(page, stack, 'grace@example.com');
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      // The tenant session exists now; a silent sign-in must pass through untouched.
      await page.goto(`${stack.siteOrigin}/login?prompt=none`);
      await page.waitForURL((url) => url.pathname === '/callback');
      expect(await page.locator('h1').innerText()).toContain('Grace Hopper');
      expect(stack.emulator.users.findByEmail('grace@example.com')?.user_metadata).toEqual({});
    });
  });
});
