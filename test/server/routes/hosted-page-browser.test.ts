// The hosted page in Debian's Chromium, served by the real server (the hosted page's parts built
// from the current sources): the form shows before its script runs, under the page's strict policy;
// what the user typed before the script ran survives hydration and is what gets submitted; the
// language and the colour scheme agree before and after; the notices need no script. The page's
// policy is the server's own header: its inline styles apply only if their hashes are right.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../server/config.js';
import { launchChromium } from '../../support/browser.js';
import { closeApps, setup } from '../support/app.js';
import { frozenClock, mintSessionToken, RecordingWriter, TENANT, testConfig } from '../support/fixtures.js';
import { listenOnLoopback } from '../support/raw-http.js';
import { buildHostedPage, type BuiltHostedPage } from './hosted-page-build.js';

// Injected as the page starts (the page's policy would refuse it as a script of the page).
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// The browser's clock is the real one, so the server's is too.
const NOW = Math.floor(Date.now() / 1000);
// Records policy violations from before any script of the page runs (injected, so the policy does not apply to it).
const WATCH_VIOLATIONS = `window.violations = [];
document.addEventListener('securitypolicyviolation', (event) => window.violations.push(event.violatedDirective + ' ' + event.blockedURI));`;

let built: BuiltHostedPage;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [built, browser] = await Promise.all([buildHostedPage(), launchChromium()]);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  built?.remove();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  await closeApps();
});

/** A fresh browser context (a fresh tab storage and cache), closed after the test. */
async function openContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  contexts.push(context);
  return context;
}

/** Visible text with its runs of blank lines as one line break. */
const textOf = async (locator: { innerText(): Promise<string> }) => (await locator.innerText()).replace(/\n+/gu, '\n');

interface Served {
  origin: string;
  writer: RecordingWriter;
}

async function serve(overrides: Partial<Config> = {}): Promise<Served> {
  const { app, writer } = setup(overrides, { clock: frozenClock(NOW), hostedPage: built.assets, widgetScript: built.widgetScript });
  return { origin: `http://127.0.0.1:${await listenOnLoopback(app)}`, writer };
}

interface OpenedPage {
  page: Page;
  /** Lets the held script load. */
  releaseScript(): void;
  /** Paths requested from the server, in order. */
  requests: string[];
  /** What the widget POSTed to Auth0's /continue. */
  continued: Promise<string>;
}

/**
 * Opens the hosted page for a T1 with `claims`, the hosted script held back until `releaseScript`
 * (so the page is seen and used as it is before the script runs). Returns once the form (or the
 * notice) is on screen.
 */
async function openHostedPage(
  { origin }: Served,
  options: { claims?: Record<string, unknown>; token?: string; colorScheme?: 'light' | 'dark'; locale?: string; initScript?: string } = {},
): Promise<OpenedPage> {
  const context = await openContext({ colorScheme: options.colorScheme ?? 'light', locale: options.locale ?? 'en-US' });
  const page = await context.newPage();
  await page.addInitScript({ content: WATCH_VIOLATIONS + (options.initScript ?? '') });
  const requests: string[] = [];
  page.on('request', (request) => requests.push(new URL(request.url()).pathname));
  let releaseScript = () => {};
  const released = new Promise<void>((resolve) => (releaseScript = resolve));
  await page.route('**/progressive-profile-hosted.js', async (route) => {
    await released;
    await route.continue();
  });
  let continued: (body: string) => void = () => {};
  const continuedBody = new Promise<string>((resolve) => (continued = resolve));
  await page.route(`${TENANT.origin}/**`, async (route) => {
    continued(route.request().postData() ?? '');
    await route.fulfill({ contentType: 'text/html', body: '<p>Back in the login</p>' });
  });
  const token = options.token ?? (await mintSessionToken({ email_hint: 'a***@example.com', ...options.claims }, { iat: NOW }));
  await page.goto(`${origin}/?state=S1&session_token=${token}`, { waitUntil: 'commit' });
  await page.waitForFunction(() => document.querySelector('progressive-profile')?.shadowRoot?.querySelector('[part=actions], [part=notice]'));
  return { page, releaseScript, requests, continued: continuedBody };
}

async function untilReady(opened: OpenedPage): Promise<void> {
  const ready = opened.page.evaluate(
    () => new Promise<void>((resolve) => document.addEventListener('pp-ready', () => resolve(), { once: true })),
  );
  opened.releaseScript();
  await ready;
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as { violations: string[] }).violations);

/** The element's shadow root's <style> texts, and how the element and the page look now. */
const stylesNow = (page: Page) =>
  page.evaluate(() => {
    const root = document.querySelector('progressive-profile')!.shadowRoot!;
    const button = root.querySelector<HTMLElement>('[part=submit-button]')!;
    return {
      shadowStyles: [...root.querySelectorAll('style')].map((style) => style.textContent!.length),
      inputHeight: getComputedStyle(root.querySelector('input')!).minHeight,
      buttonBackground: getComputedStyle(button).backgroundColor,
      cardBackground: getComputedStyle(document.querySelector('main')!).backgroundColor,
    };
  });

/** Starts recording every <style> removed from the element's shadow root (hydration must keep its styles). */
const watchShadowStyles = (page: Page) =>
  page.evaluate(() => {
    const removed: string[] = [];
    (window as unknown as { removedStyles: string[] }).removedStyles = removed;
    new MutationObserver((records) => {
      for (const record of records) for (const node of record.removedNodes) if (node.nodeName === 'STYLE') removed.push(node.nodeName);
    }).observe(document.querySelector('progressive-profile')!.shadowRoot!, { childList: true });
  });
const removedStyles = (page: Page) => page.evaluate(() => (window as unknown as { removedStyles: string[] }).removedStyles);
const isDefined = (page: Page) => page.evaluate(() => customElements.get('progressive-profile') !== undefined);
const field = (page: Page, id: string) => page.locator(`progressive-profile #${id}`);

describe('the hosted page in a browser', { timeout: 30_000 }, () => {
  it('shows the form, styled, before its script runs, and keeps what was typed there across hydration, into the submit', async () => {
    const served = await serve();
    const opened = await openHostedPage(served);
    const { page } = opened;
    expect(await isDefined(page)).toBe(false);
    const before = await page.evaluate(() => {
      const root = document.querySelector('progressive-profile')!.shadowRoot!;
      const button = root.querySelector<HTMLElement>('[part=submit-button]')!;
      return {
        controls: root.querySelectorAll('input, select').length,
        inputHeight: getComputedStyle(root.querySelector('input')!).minHeight,
        buttonBackground: getComputedStyle(button).backgroundColor,
        buttonShown: button.getBoundingClientRect().height > 0,
      };
    });
    expect(before).toEqual({ controls: 6, inputHeight: '44px', buttonBackground: 'rgb(9, 105, 218)', buttonShown: true });
    // Both inline styles applied under the page's policy, with nothing refused.
    const styled = await stylesNow(page);
    expect(styled.cardBackground).toBe('rgb(255, 255, 255)');
    expect(styled.shadowStyles).toHaveLength(1);
    expect(await violations(page)).toEqual([]);
    await watchShadowStyles(page);

    await field(page, 'f0').fill('Acme typed early');
    await field(page, 'f3').selectOption('pro');
    await field(page, 'f5').check();
    await field(page, 'f2').fill('acme');
    await untilReady(opened);

    expect(await isDefined(page)).toBe(true);
    // Hydrated, styled the same, its <style> never taken away (no unstyled moment), nothing refused.
    expect(await stylesNow(page)).toEqual(styled);
    expect(await removedStyles(page)).toEqual([]);
    expect(await violations(page)).toEqual([]);
    expect(await field(page, 'f0').inputValue()).toBe('Acme typed early');
    expect(await field(page, 'f3').inputValue()).toBe('pro');
    expect(await field(page, 'f5').isChecked()).toBe(true);
    // The field being typed in keeps the focus: the user goes on typing.
    expect(await page.evaluate(() => document.querySelector('progressive-profile')!.shadowRoot!.activeElement?.id)).toBe('f2');
    await page.keyboard.type('r');
    // T1 leaves the address bar once the widget runs.
    expect(page.url()).not.toContain('session_token');

    await field(page, 'f1').fill('CTO');
    expect(await violations(page)).toEqual([]);
    await page.locator('progressive-profile [part=submit-button]').click();
    expect(new URLSearchParams(await opened.continued).get('session_token')).toBeTruthy();
    expect(served.writer.writes).toHaveLength(1);
    expect(served.writer.writes[0].patch.user_metadata).toEqual({ company_name: 'Acme typed early', job_title: 'CTO', nickname: 'acmer', newsletter: true });
    expect(served.writer.writes[0].patch.app_metadata).toEqual({ plan: 'pro' });
  });

  it('stays on the page when Enter is pressed in a field before the script runs', async () => {
    const opened = await openHostedPage(await serve());
    const { page } = opened;
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await field(page, 'f0').fill('Acme');
    await field(page, 'f0').press('Enter');
    await untilReady(opened);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await field(page, 'f0').inputValue()).toBe('Acme');
    expect(await violations(page)).toEqual([]);
  });

  it("fills the fields the user did not type from the tab's draft, after hydration", async () => {
    const draft = `sessionStorage.setItem('pp-draft:auth0|user-1', JSON.stringify({ job_title: 'Drafted title', plan: 'free', company_name: 'Drafted company' }));`;
    const opened = await openHostedPage(await serve(), { initScript: draft });
    await field(opened.page, 'f0').fill('Typed company');
    await untilReady(opened);
    // Once the form is usable (the tab's storage is read after that).
    await expect.poll(() => field(opened.page, 'f1').inputValue()).toBe('Drafted title');
    expect(await field(opened.page, 'f0').inputValue()).toBe('Typed company');
    expect(await field(opened.page, 'f3').inputValue()).toBe('free');
  });

  it("speaks T1's language before and after hydration, and the live form goes on in it", async () => {
    const opened = await openHostedPage(await serve(), { claims: { lang: 'es' }, locale: 'en-US' });
    const { page } = opened;
    const text = () => page.evaluate(() => (document.querySelector('progressive-profile')!.shadowRoot!.querySelector('form') as HTMLElement).innerText);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('es');
    expect(await page.title()).toBe('Completa tu perfil');
    const before = await text();
    expect(before).toContain('Empresa');
    expect(before).toContain('Guardar y continuar');
    await untilReady(opened);
    expect(await text()).toBe(before);
    await field(page, 'f2').fill('A');
    await field(page, 'f2').blur();
    await expect.poll(text).toContain('Mínimo 2 caracteres.');
  });

  it("speaks the browser's language when T1 names none", async () => {
    const opened = await openHostedPage(await serve(), { locale: 'es-MX' });
    expect(await opened.page.evaluate(() => document.documentElement.lang)).toBe('es-MX');
    await untilReady(opened);
    expect(await opened.page.locator('progressive-profile [part=submit-button]').innerText()).toBe('Guardar y continuar');
  });

  for (const [scheme, background, text] of [
    ['light', 'rgb(255, 255, 255)', 'rgb(31, 35, 40)'],
    ['dark', 'rgb(13, 17, 23)', 'rgb(230, 237, 243)'],
  ] as const) {
    it(`follows the system's ${scheme} scheme before and after hydration`, async () => {
      const opened = await openHostedPage(await serve(), { colorScheme: scheme });
      const colours = () =>
        opened.page.evaluate(() => {
          const input = document.querySelector('progressive-profile')!.shadowRoot!.querySelector('input')!;
          return [getComputedStyle(input).backgroundColor, getComputedStyle(input).color];
        });
      expect(await colours()).toEqual([background, text]);
      const card = () => opened.page.evaluate(() => getComputedStyle(document.querySelector('main')!).backgroundColor);
      expect(await card()).toBe(background);
      expect(await violations(opened.page)).toEqual([]);
      await untilReady(opened);
      expect(await colours()).toEqual([background, text]);
      expect(await card()).toBe(background);
      expect(await violations(opened.page)).toEqual([]);
    });
  }

  it('meets axe-core before the script runs and after hydration', async () => {
    const opened = await openHostedPage(await serve(), { initScript: AXE_SOURCE });
    const audit = () =>
      opened.page.evaluate(async () => {
        const { axe } = window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string }[] }> } };
        return (await axe.run(document, { resultTypes: ['violations'] })).violations.map((violation) => violation.id);
      });
    expect(await audit()).toEqual([]);
    await untilReady(opened);
    expect(await audit()).toEqual([]);
  });

  it('renders a phone field with its picker, and submits the number typed before hydration with its country code', async () => {
    const base = testConfig().form;
    const served = await serve({
      form: {
        ...base,
        fields: [{ id: 'mobile', label: 'Mobile', type: 'tel', required: true, default_country: 'ES', countries: ['ES', 'MX'], target: 'user_metadata', unique: false }],
      },
    });
    const opened = await openHostedPage(served);
    const { page } = opened;
    await page.locator('progressive-profile [part=country]').selectOption('MX');
    await field(page, 'f0').fill('55 1234 5678');
    await untilReady(opened);
    expect(await violations(page)).toEqual([]);
    await page.locator('progressive-profile [part=submit-button]').click();
    await opened.continued;
    const { mobile } = served.writer.writes[0].patch.user_metadata as { mobile: string };
    expect([mobile.slice(0, 3), mobile.replace(/\D/gu, '')]).toEqual(['+52', '525512345678']);
  });

  it('draws the form anew, with what was typed, when the server render cannot be hydrated', async () => {
    const served = await serve();
    const page = await (await openContext()).newPage();
    await page.addInitScript({ content: WATCH_VIOLATIONS });
    const warnings: string[] = [];
    page.on('console', (message) => message.type() === 'warning' && warnings.push(message.text()));
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/progressive-profile-hosted.js', async (route) => {
      await released;
      await route.continue();
    });
    // A render this script's templates do not match: the form's template marker says another template.
    await page.route(`${served.origin}/?*`, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/(<\/style><!--lit-part )[^-]+-->/u, '$1AAAAAAAAAAA=-->');
      await route.fulfill({ response, body });
    });
    await page.goto(`${served.origin}/?state=S1&session_token=${await mintSessionToken({}, { iat: NOW })}`, { waitUntil: 'commit' });
    await page.waitForFunction(() => document.querySelector('progressive-profile')?.shadowRoot?.querySelector('[part=actions]'));
    await field(page, 'f0').fill('Acme');
    const styled = await stylesNow(page);
    const ready = page.evaluate(() => new Promise<void>((resolve) => document.addEventListener('pp-ready', () => resolve(), { once: true })));
    release();
    await ready;
    expect(warnings.some((warning) => warning.includes('could not be hydrated'))).toBe(true);
    expect(await field(page, 'f0').inputValue()).toBe('Acme');
    expect(await page.locator('progressive-profile [part=submit-button]').count()).toBe(1);
    // Drawn anew in the same shadow root, its <style> kept: styled as before.
    expect(await stylesNow(page)).toEqual(styled);
    await field(page, 'f1').fill('CTO');
    expect(await violations(page)).toEqual([]);
    await page.route(`${TENANT.origin}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '' }));
    await page.locator('progressive-profile [part=submit-button]').click();
    await expect.poll(() => served.writer.writes.length).toBe(1);
    expect(served.writer.writes[0].patch.user_metadata).toMatchObject({ company_name: 'Acme', job_title: 'CTO' });
  });
});

describe("the hosted page's policy in a browser", { timeout: 30_000 }, () => {
  it("refuses an inline style whose bytes are not the ones hashed (the hashes, not 'unsafe-inline', let the styles in)", async () => {
    const served = await serve();
    const page = await (await openContext()).newPage();
    await page.addInitScript({ content: WATCH_VIOLATIONS });
    await page.route('**/progressive-profile-hosted.js', (route) => route.abort());
    await page.route(`${served.origin}/?*`, async (route) => {
      const response = await route.fetch();
      // One byte more in the element's <style>, which opens its shadow root.
      const body = (await response.text()).replace(/(<template [^>]*><style>)/u, '$1 ');
      await route.fulfill({ response, body });
    });
    await page.goto(`${served.origin}/?state=S1&session_token=${await mintSessionToken({}, { iat: NOW })}`);
    await page.locator('progressive-profile [part=submit-button]').waitFor();
    expect(await violations(page)).toEqual(['style-src-elem inline']);
    // The element unstyled; the page's own style, unchanged, still applies.
    const styles = await stylesNow(page);
    expect(styles.inputHeight).not.toBe('44px');
    expect(styles.cardBackground).toBe('rgb(255, 255, 255)');
  });
});

describe('the hosted page when T1 asks only for fields the form does not define, in a browser', { timeout: 30_000 }, () => {
  it('says "Nothing to complete", shows no error, and continues the login at once', async () => {
    const served = await serve();
    const opened = await openHostedPage(served, { claims: { fields: ['no_such_field'] } });
    const { page, requests } = opened;
    // The server's render, before the script runs: the sentence, no form, an empty notice.
    const root = page.locator('progressive-profile');
    expect(await root.locator('[role=status]').innerText()).toBe('Nothing to complete.');
    expect(await root.locator('form, input, [part=submit-button]').count()).toBe(0);
    expect(await textOf(root.locator('[part=notice]'))).toBe('');
    const consoleProblems: string[] = [];
    page.on('console', (message) => ['error', 'warning'].includes(message.type()) && consoleProblems.push(message.text()));
    opened.releaseScript();
    // No click, no typing: the page sends the empty form and follows the answer into the login.
    const continued = new URLSearchParams(await opened.continued);
    await page.waitForURL(`${TENANT.origin}/continue?**`);
    expect(new URL(page.url()).searchParams.get('state')).toBe('S1');
    expect(continued.get('session_token')).toBeTruthy();
    expect(await page.locator('p').innerText()).toBe('Back in the login');
    expect(requests.filter((path) => path === '/submit')).toHaveLength(1);
    expect(served.writer.writes).toEqual([]);
    expect(consoleProblems).toEqual([]);
  });
});

describe('the hosted page without a usable T1, in a browser', { timeout: 30_000 }, () => {
  it('shows the notice for an expired T1 with no script at all, under the policy', async () => {
    const token = await mintSessionToken({}, { iat: NOW - 3600, expiresIn: 900 });
    const opened = await openHostedPage(await serve(), { token });
    const { page, requests } = opened;
    await page.waitForLoadState('load');
    expect(await textOf(page.locator('progressive-profile [part=notice]'))).toBe('Your session has expired.\nSign in again');
    expect(await page.locator('progressive-profile [part=restart-link]').getAttribute('href')).toBe('/');
    expect(requests.filter((path) => path.endsWith('.js'))).toEqual([]);
    expect(await violations(page)).toEqual([]);
  });

  it('shows the form again after a reload, from the tab (T1 is gone from the address bar), with what was typed', async () => {
    const opened = await openHostedPage(await serve());
    const { page } = opened;
    await field(page, 'f0').fill('Acme');
    await untilReady(opened);
    expect(page.url()).not.toContain('session_token');
    await page.reload({ waitUntil: 'commit' });
    await page.locator('progressive-profile [part=submit-button]').waitFor();
    expect(await field(page, 'f0').inputValue()).toBe('Acme');
    expect(await violations(page)).toEqual([]);
  });

  it('says to open the page from the sign-in when neither the address bar nor the tab holds a session', async () => {
    const { origin } = await serve();
    const page = await (await openContext()).newPage();
    await page.addInitScript({ content: WATCH_VIOLATIONS });
    await page.goto(`${origin}/`);
    await expect.poll(() => textOf(page.locator('progressive-profile [part=notice]')).catch(() => '')).toBe('Open this page from the sign-in.\nSign in again');
    expect(await violations(page)).toEqual([]);
  });
});
