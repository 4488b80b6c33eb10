// Account linking in Chromium through the demo's `--scenario link`: a user who signed in with the
// emulated GitHub adds a username and a password, signs out, signs in with them, and is the same
// user with two identities; and the refusals a person can meet on the way.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { DemoStack } from '../../demo/stack.js';
import { signIn, submitButton, useBrowser } from './support.js';

const { withStack } = useBrowser();
const STRONG = 'Orbit-Math-1962';

async function signInWithGitHub(page: Page, stack: DemoStack, name: string): Promise<void> {
  await page.goto(`${stack.siteOrigin}/login`);
  await page.getByRole('button', { name: 'Continue with GitHub' }).click();
  await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
}

async function chooseCredentials(page: Page, username: string, password: string): Promise<void> {
  const widget = page.locator('progressive-profile');
  await widget.getByLabel('Username').fill(username);
  await widget.getByLabel(/^Password/).fill(password);
  await submitButton(page).click();
}

describe('account linking in a browser', () => {
  it('adds a username and password to a GitHub user, who then signs in with them as the same user', async () => {
    await withStack({ scenario: 'link' }, async (stack, page) => {
      await signInWithGitHub(page, stack, 'Katherine Johnson');
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      const widget = page.locator('progressive-profile');
      // The connection's rules are shown before the user types (Auth0's "fair": 8, lower, upper, digit).
      await expect.poll(() => widget.locator('form').innerText()).toMatch(/At least 8 characters/);
      expect(await widget.getByLabel(/^Password/).getAttribute('autocomplete')).toBe('new-password');

      await chooseCredentials(page, 'kjohnson', STRONG);
      await page.waitForURL((url) => url.pathname === '/callback');
      expect(await page.locator('#identities').innerText()).toMatch(/github[\s\S]*Username-Password-Authentication/);
      const primary = stack.emulator.users.findByEmail('katherine@example.com');
      expect(primary?.user_id).toBe('github|1001');
      expect(primary?.app_metadata).toMatchObject({ username: 'kjohnson' });
      expect(stack.emulator.users.list().filter((user) => user.email === 'katherine@example.com')).toHaveLength(1);

      await page.goto(`${stack.siteOrigin}/logout`);
      await signIn(page, stack, 'kjohnson', '', STRONG);
      await page.waitForURL((url) => url.pathname === '/callback');
      expect(await page.locator('main').innerText()).toContain('github|1001');
      expect(await page.locator('#identities li').count()).toBe(2);
    });
  });

  it('shows Auth0’s refusal of a weak password beside the field, and keeps the username typed', async () => {
    await withStack({ scenario: 'link' }, async (stack, page) => {
      await signInWithGitHub(page, stack, 'Katherine Johnson');
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      // Long enough for the browser's own check, too weak for the connection's policy.
      await chooseCredentials(page, 'kjohnson', 'alllowercase');
      const widget = page.locator('progressive-profile');
      await expect.poll(() => widget.locator('[part~="error"]').allInnerTexts()).toContainEqual(expect.stringMatching(/Password/));
      expect(await widget.getByLabel('Username').inputValue()).toBe('kjohnson');
      expect(page.url()).toContain('/complete-profile');
      expect(stack.emulator.users.list().filter((user) => user.email === 'katherine@example.com')).toHaveLength(1);
      expect(stack.emulator.users.findByEmail('katherine@example.com')?.identities).toHaveLength(1);
    });
  });

  it('refuses a username another user holds', async () => {
    await withStack({ scenario: 'link' }, async (stack, page) => {
      const grace = stack.emulator.users.findByEmail('grace@example.com')!;
      stack.emulator.users.patch(grace.user_id, { app_metadata: { username: 'hopper' } });
      await signInWithGitHub(page, stack, 'Katherine Johnson');
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      await chooseCredentials(page, ' hopper ', STRONG);
      const widget = page.locator('progressive-profile');
      await expect.poll(() => widget.locator('[part~="error"]').allInnerTexts()).toContainEqual('Already in use.');
      expect(stack.emulator.users.findByEmail('katherine@example.com')?.identities).toHaveLength(1);
    });
  });

  it('sends a user whose email already has a database account to sign in with it, creating nothing', async () => {
    await withStack({ scenario: 'link' }, async (stack, page) => {
      // Katherine's email got a database account of its own (signed up with a password earlier).
      stack.emulator.users.put({
        user_id: 'auth0|katherine-db',
        email: 'katherine@example.com',
        email_verified: true,
        name: 'Katherine Johnson',
        username: 'kgj',
        password: 'Langley-1953',
        logins_count: 1,
        user_metadata: {},
        app_metadata: {},
        created_at: '2026-01-05T09:00:00.000Z',
        updated_at: '2026-01-05T09:00:00.000Z',
      });
      const before = stack.emulator.users.list().length;
      await signInWithGitHub(page, stack, 'Katherine Johnson');
      await page.waitForURL((url) => url.pathname === '/complete-profile');
      await chooseCredentials(page, 'kjohnson', STRONG);
      const widget = page.locator('progressive-profile');
      await widget.getByRole('link', { name: /sign in again/i }).waitFor();
      expect(await widget.locator('[part~="notice"]').innerText()).toContain('This email already has an account: sign in with it.');
      expect(stack.emulator.users.list()).toHaveLength(before);
      expect(stack.emulator.users.get('github|1001')?.identities).toHaveLength(1);
    });
  });
});
