// GET / as HTML: the form T1 asks for rendered on the server (with the hosted page's parts built
// from the current sources), the notices, the language, the policy, the logs. What the page does
// in a browser: hosted-page-browser.test.ts.
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.js';
import { buildHostedPagePolicy, HOSTED_PAGE_STYLES } from '../../../server/routes/hosted-page.js';
import type { HostedPageAssets } from '../../../server/ssr/hosted-page-assets.js';
import { choosePageLanguage, readAcceptLanguage } from '../../../server/ssr/page-language.js';
import { hashStyle } from '../../../server/ssr/style-hash.js';
import { closeApps, setup, track, WIDGET } from '../support/app.js';
import { frozenClock, mintSessionToken, NOW_SECONDS, RecordingWriter, testConfig } from '../support/fixtures.js';
import { buildHostedPage, type BuiltHostedPage } from './hosted-page-build.js';
import { captureLines } from '../../support/log-lines.js';

let built: BuiltHostedPage;
beforeAll(async () => {
  built = await buildHostedPage();
}, 60_000);
afterAll(() => built?.remove());
afterEach(closeApps);

/** The policy around `style-src`, the same on every page. */
const POLICY_WITHOUT_STYLES =
  "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

/** The text of every `<style>` in the page, as sent. */
function inlineStylesOf(body: string): string[] {
  return [...body.matchAll(/<style>([\s\S]*?)<\/style>/gu)].map((match) => match[1]);
}

/** `'sha256-…'` of some text, computed here rather than with the server's hashStyle. */
function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(Buffer.from(text, 'utf8')).digest('base64')}'`;
}

/** The sources of the policy's `style-src`, and the policy without that directive. */
function readStyleSources(policy: string): { sources: string[]; rest: string } {
  const directives = policy.split('; ');
  const style = directives.find((directive) => directive.startsWith('style-src '));
  if (!style) throw new Error('no style-src in the policy');
  return { sources: style.split(' ').slice(1), rest: directives.filter((directive) => directive !== style).join('; ') };
}

function hostedApp(assets: HostedPageAssets | null = built.assets) {
  return setup({}, { hostedPage: assets, widgetScript: WIDGET }).app;
}

async function getPage(query: string, headers: Record<string, string> = {}, assets?: HostedPageAssets | null) {
  return hostedApp(assets).inject({ url: `/${query}`, headers });
}

/** The shadow root's markup: what the element shows before any script runs. */
function shadowOf(body: string): string {
  const match = /<template shadowroot="open" shadowrootmode="open">([\s\S]*?)<\/template><\/progressive-profile>/u.exec(body);
  if (!match) throw new Error('no declarative shadow root in the page');
  return match[1];
}

/** Visible text of some markup: styles, tags and Lit's marker comments gone. */
function textOf(markup: string): string {
  return markup.replace(/<style>[\s\S]*?<\/style>|<!--[\s\S]*?-->|<\?>/gu, '').replace(/<[^>]+>/gu, ' ').replace(/\s+/gu, ' ').trim();
}

function expectPageHeaders(response: { headers: Record<string, unknown>; statusCode: number; body: string }) {
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['x-frame-options']).toBe('DENY');
  expectPolicyAllowingItsStyles(response);
}

/** The page's policy allows exactly the styles it inlines, by their hashes, and no other inline style. */
function expectPolicyAllowingItsStyles(response: { headers: Record<string, unknown>; body: string }) {
  const policy = String(response.headers['content-security-policy']);
  const { sources, rest } = readStyleSources(policy);
  expect(rest).toBe(POLICY_WITHOUT_STYLES);
  expect(policy).not.toContain('unsafe-inline');
  expect(sources).toEqual(["'self'", ...inlineStylesOf(response.body).map(sha256Source)]);
  // No style attribute, no inline script.
  expect(response.body).not.toMatch(/\sstyle=/u);
  for (const tag of response.body.match(/<script\b[^>]*>/gu) ?? []) expect(tag).toMatch(/^<script type="module" src="\/[^"]+">$/u);
}

describe('GET / with a valid T1', () => {
  it('renders exactly the fields T1 asks for, with their labels, into a declarative shadow root', async () => {
    const token = await mintSessionToken({ fields: ['company_name'], email_hint: 'a***@example.com' });
    const response = await getPage(`?state=S1&session_token=${token}`);
    expectPageHeaders(response);
    const shadow = shadowOf(response.body);
    // company_name (claimed, required) and the optional fields; job_title is required but not claimed.
    const labels = [...shadow.matchAll(/<(?:label part=label for="f\d+"|legend part=label)>([\s\S]*?)<\/(?:label|legend)>/gu)].map((match) => textOf(match[1]));
    expect(labels).toEqual(['Company *', 'Nickname', 'Plan', 'Age', 'Newsletter']);
    expect(shadow.match(/<(input|select|textarea)\b/gu)).toHaveLength(5);
    expect(textOf(shadow)).toContain('Completing the profile of a***@example.com');
    expect(textOf(shadow)).toContain('Save and continue');
    expect(textOf(shadow)).toContain('Remind me later');
    expect(shadow).not.toContain('Job title');
    // The element knows what the server rendered: the same fields, for the first render to match.
    const given = /data-form="([^"]*)"/u.exec(response.body)![1].replace(/&quot;/gu, '"');
    expect(JSON.parse(given).fields.map((field: { id: string }) => field.id)).toEqual(['company_name', 'nickname', 'plan', 'age', 'newsletter']);
  });

  it("loads the hosted script, and holds the page's and the element's styles inline, allowed by their hashes", async () => {
    const token = await mintSessionToken();
    const response = await getPage(`?state=S1&session_token=${token}`);
    const { body } = response;
    expect(body).toContain('<script type="module" src="/progressive-profile-hosted.js"></script>');
    expect(body.match(/<script/gu)).toHaveLength(1);
    // The page's styles in its head, the element's opening its shadow root: those exact bytes.
    expect(body).toContain(`<head>`);
    expect(body.slice(0, body.indexOf('</head>'))).toContain(`<style>${HOSTED_PAGE_STYLES}</style>`);
    expect(shadowOf(body).startsWith(`<style>${built.assets.renderer.ELEMENT_STYLES}</style>`)).toBe(true);
    expect(inlineStylesOf(body)).toEqual([HOSTED_PAGE_STYLES, built.assets.renderer.ELEMENT_STYLES]);
    expect(readStyleSources(String(response.headers['content-security-policy'])).sources).toEqual([
      "'self'",
      sha256Source(HOSTED_PAGE_STYLES),
      sha256Source(built.assets.renderer.ELEMENT_STYLES),
    ]);
    // Nothing to load before the form paints: no stylesheet, no request for the form.
    expect(body).not.toContain('<link rel="stylesheet"');
    expect(body).not.toContain('rel="preload"');
  });

  it('never puts T1 or the login state into the page', async () => {
    const token = await mintSessionToken({ email_hint: 'a***@example.com' });
    const { body } = await getPage(`?state=secret-state-123&session_token=${token}`);
    for (const part of token.split('.')) expect(body).not.toContain(part);
    expect(body).not.toContain('secret-state-123');
  });

  it('renders a form without a native submission: Enter before the script runs goes nowhere', async () => {
    const { body } = await getPage(`?state=S1&session_token=${await mintSessionToken()}`);
    expect(shadowOf(body)).toMatch(/<form part=form method=dialog novalidate/u);
  });

  it('renders unticked boxes as unticked (Lit writes `.checked=${false}` as checked="false")', async () => {
    const { body } = await getPage(`?state=S1&session_token=${await mintSessionToken()}`);
    expect(shadowOf(body)).not.toMatch(/\schecked\b/u);
  });

  it('offers no skip when T1 says the user may skip no more', async () => {
    const { body } = await getPage(`?state=S1&session_token=${await mintSessionToken({ allow_skip: false })}`);
    expect(textOf(shadowOf(body))).not.toContain('Remind me later');
  });

  it('renders a phone field with its country picker, the default country chosen', async () => {
    const form = testConfig().form;
    const app = track(
      buildApp(
        testConfig({ form: { ...form, fields: [{ id: 'mobile', label: 'Mobile', type: 'tel', required: false, default_country: 'ES', countries: ['ES', 'MX'], target: 'user_metadata', unique: false }] } }),
        { clock: frozenClock(), profileWriter: new RecordingWriter(), hostedPage: built.assets, widgetScript: WIDGET },
      ),
    );
    const { body } = await app.inject(`/?state=S1&session_token=${await mintSessionToken()}`);
    const shadow = shadowOf(body);
    expect(shadow).toMatch(/<select part=country aria-label="Mobile, country"/u);
    expect(shadow).toMatch(/<option value="ES" selected>/u);
    expect(textOf(shadow)).toContain('Mexico +52');
  });
});

describe('GET / with an unusable T1', () => {
  const notices: [string, () => Promise<string>, string][] = [
    ['expired', () => mintSessionToken({}, { iat: NOW_SECONDS - 3600, expiresIn: 900 }), 'Your session has expired.'],
    ['forged (another secret)', () => mintSessionToken({}, { secret: 'another-secret-0123456789-abcdefghijklmn' }), 'This link is not valid.'],
    ['malformed', async () => 'not.a-token', 'This link is not valid.'],
    ['of another tenant', () => mintSessionToken({ iss: 'evil.example.com' }), 'This link is not valid.'],
  ];
  for (const [kind, mint, notice] of notices) {
    it(`renders the widget's notice for a T1 ${kind}, with a way to sign in again and no script`, async () => {
      const response = await getPage(`?state=S1&session_token=${await mint()}`);
      expectPageHeaders(response);
      const shadow = shadowOf(response.body);
      expect(textOf(shadow)).toBe(`${notice} Sign in again`);
      expect(shadow).toContain('<a part="restart-link" href="/">');
      expect(shadow).not.toContain('<form');
      expect(response.body).not.toContain('<script');
    });
  }

  it('sends "Sign in again" to RESTART_URL, on the server-rendered notice and on the widget alone', async () => {
    const app = setup({ restartUrl: 'https://app.example.com/login' }, { hostedPage: built.assets, widgetScript: WIDGET }).app;
    const notice = await app.inject({ url: `/?state=S1&session_token=not.a-token` });
    expect(shadowOf(notice.body)).toContain('<a part="restart-link" href="https://app.example.com/login">');
    const alone = await app.inject({ url: '/' });
    expect(alone.body).toContain('<progressive-profile endpoint="/" restart-url="https://app.example.com/login"></progressive-profile>');
    const form = await app.inject({ url: `/?state=S1&session_token=${await mintSessionToken()}` });
    expect(form.body).toMatch(/<progressive-profile[^>]* restart-url="https:\/\/app\.example\.com\/login"/u);
  });

  it('renders the widget alone when T1 is missing: the tab may hold the session (a reload), else it says so', async () => {
    for (const query of ['', '?state=S1', `?session_token=${await mintSessionToken()}`]) {
      const response = await getPage(query);
      expectPageHeaders(response);
      expect(response.body).toContain('<progressive-profile endpoint="/"></progressive-profile>');
      expect(response.body).toContain('<script type="module" src="/progressive-profile.js"></script>');
      expect(response.body).toContain('<link rel="preload" href="/form" as="fetch" crossorigin>');
      expect(response.body).not.toContain('<template');
      // The widget renders in the browser with a constructable stylesheet: the page's styles are the only inline ones.
      expect(inlineStylesOf(response.body)).toEqual([HOSTED_PAGE_STYLES]);
    }
  });

  it('renders the widget alone when the hosted page was not built', async () => {
    const response = await getPage(`?state=S1&session_token=${await mintSessionToken()}`, {}, null);
    expectPageHeaders(response);
    expect(response.body).toContain('<progressive-profile endpoint="/"></progressive-profile>');
    expect((await hostedApp(null).inject('/progressive-profile-hosted.js')).statusCode).toBe(404);
  });

  it('renders the widget alone, and logs the failure without T1, when the renderer throws', async () => {
    const { lines, stream } = captureLines();
    const broken: HostedPageAssets = {
      ...built.assets,
      renderer: { ...built.assets.renderer, renderElement: () => { throw new Error('renderer bug'); } },
    };
    const app = track(buildApp(testConfig(), { clock: frozenClock(), hostedPage: broken, widgetScript: WIDGET }, { logger: { level: 'info', stream } }));
    const token = await mintSessionToken();
    const response = await app.inject(`/?state=S1&session_token=${token}`);
    expectPageHeaders(response);
    expect(response.body).toContain('<progressive-profile endpoint="/"></progressive-profile>');
    expect(lines.some((line) => line.includes('server rendering failed'))).toBe(true);
    for (const line of lines) for (const part of token.split('.')) expect(line).not.toContain(part);
  });
});

describe('GET / and the logs', () => {
  it('writes no T1, no part of it and no query string to any log line', async () => {
    const { lines, stream } = captureLines();
    const app = track(buildApp(testConfig(), { clock: frozenClock(), hostedPage: built.assets, widgetScript: WIDGET }, { logger: { level: 'trace', stream } }));
    const tokens = [
      await mintSessionToken(),
      await mintSessionToken({}, { iat: NOW_SECONDS - 3600 }),
      await mintSessionToken({}, { secret: 'another-secret-0123456789-abcdefghijklmn' }),
    ];
    for (const token of tokens) expect((await app.inject(`/?state=the-state&session_token=${token}`)).statusCode).toBe(200);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain('the-state');
      expect(line).not.toContain('session_token');
      for (const token of tokens) for (const part of token.split('.')) expect(line).not.toContain(part);
    }
  });
});

describe('the language of the hosted page', () => {
  async function languageOf(claims: Record<string, unknown>, acceptLanguage?: string) {
    const token = await mintSessionToken(claims);
    const { body } = await getPage(`?state=S1&session_token=${token}`, acceptLanguage ? { 'accept-language': acceptLanguage } : {});
    return { page: /<html lang="([^"]+)">/u.exec(body)![1], element: /<progressive-profile[^>]* lang="([^"]+)"/u.exec(body)![1], body };
  }

  it("speaks T1's `lang` claim: the page, its title and the element", async () => {
    const { page, element, body } = await languageOf({ lang: 'es-MX' }, 'en-US,en;q=0.9');
    expect([page, element]).toEqual(['es-MX', 'es-MX']);
    expect(body).toContain('<title>Completa tu perfil</title>');
    expect(textOf(shadowOf(body))).toContain('Empresa *');
    expect(textOf(shadowOf(body))).toContain('Guardar y continuar');
  });

  it("else the browser's first language the widget speaks, by weight", async () => {
    expect((await languageOf({}, 'fr-CH, fr;q=0.9, es;q=0.8, en;q=0.7')).page).toBe('es');
    expect((await languageOf({}, 'en;q=0.5, es-AR;q=0.6')).page).toBe('es-AR');
  });

  it('else English', async () => {
    expect((await languageOf({}, 'fr, de')).page).toBe('en');
    expect((await languageOf({})).page).toBe('en');
    expect((await languageOf({ lang: '"><script>' }, 'de')).page).toBe('en');
  });

  it('takes a claimed language the widget does not speak as it is: the labels may speak it, the strings fall back to English', async () => {
    const { page, body } = await languageOf({ lang: 'fr' }, 'es');
    expect(page).toBe('fr');
    expect(textOf(shadowOf(body))).toContain('Save and continue');
  });

  it("speaks Accept-Language's language on the page without T1, leaving the element to the tab's T1", async () => {
    const { body } = await getPage('', { 'accept-language': 'es-ES,es;q=0.9' });
    expect(body).toContain('<html lang="es-ES">');
    expect(body).toContain('<progressive-profile endpoint="/"></progressive-profile>');
  });

  it('reads Accept-Language leniently: weights, wildcards, junk and q=0', () => {
    expect(readAcceptLanguage('da, en-gb;q=0.8, en;q=0.7')).toEqual(['da', 'en-GB', 'en']);
    expect(readAcceptLanguage('*, es;q=0, x<y, en;q=bad, de;q=0.1')).toEqual(['de']);
    expect(readAcceptLanguage(undefined)).toEqual([]);
    expect(choosePageLanguage('ES-mx', undefined, ['en', 'es'])).toBe('es-MX');
    expect(choosePageLanguage(42, 'es', ['en', 'es'])).toBe('es');
  });
});

describe('the hosted page under a prefix', () => {
  it('links its parts under the prefix', async () => {
    const Fastify = (await import('fastify')).default;
    const { progressiveProfile } = await import('../../../server/plugin.js');
    const host = track(Fastify());
    await host.register(progressiveProfile, {
      prefix: '/profile',
      config: testConfig(),
      deps: { clock: frozenClock(), profileWriter: new RecordingWriter(), hostedPage: built.assets, widgetScript: WIDGET },
    });
    const { body } = await host.inject(`/profile?state=S1&session_token=${await mintSessionToken()}`);
    expect(body).toContain('src="/profile/progressive-profile-hosted.js"');
    expect(body).toContain('endpoint="/profile"');
    expect(inlineStylesOf(body)).toEqual([HOSTED_PAGE_STYLES, built.assets.renderer.ELEMENT_STYLES]);
    expect((await host.inject('/profile/progressive-profile.css')).statusCode).toBe(200);
    expect((await host.inject('/profile/progressive-profile-hosted.js')).statusCode).toBe(200);
  });
});

describe('the hosted page\'s parts', () => {
  it("serves the element's stylesheet: its own styles, with an ETag", async () => {
    const app = hostedApp();
    const response = await app.inject('/progressive-profile.css');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(response.body).toBe(built.assets.renderer.ELEMENT_STYLES);
    expect(response.body).toContain(':host');
    const again = await app.inject({ url: '/progressive-profile.css', headers: { 'if-none-match': String(response.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('serves the hosted script like the bundle: revalidated, loadable as a module', async () => {
    const response = await hostedApp().inject('/progressive-profile-hosted.js');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toBe(String(built.assets.script));
  });
});

describe("the hosted page's parts, compressed", () => {
  it.each([
    ['/progressive-profile-hosted.js', () => String(built.assets.script)],
    ['/progressive-profile.css', () => built.assets.renderer.ELEMENT_STYLES],
    ['/hosted-page.css', () => HOSTED_PAGE_STYLES],
  ])('sends %s in brotli and gzip to clients that accept them, decompressing to the same bytes', async (url, expected) => {
    const app = hostedApp();
    const plain = await app.inject(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    for (const [coding, decompress] of [['br', brotliDecompressSync], ['gzip', gunzipSync]] as const) {
      const response = await app.inject({ url, headers: { 'accept-encoding': coding } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-encoding']).toBe(coding);
      expect(response.headers.vary).toMatch(/(?:^|, )Accept-Encoding$/u);
      expect(response.headers['content-type']).toBe(plain.headers['content-type']);
      expect(decompress(response.rawPayload).toString()).toBe(expected());
      expect(response.headers.etag).not.toBe(plain.headers.etag);
      const again = await app.inject({ url, headers: { 'accept-encoding': coding, 'if-none-match': String(response.headers.etag) } });
      expect(again.statusCode).toBe(304);
    }
  });

  it('keeps the HTML page as it is, uncompressed', async () => {
    const response = await getPage(`?state=S1&session_token=${await mintSessionToken()}`, { 'accept-encoding': 'gzip, br' });
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.body).toMatch(/^<!doctype html>/u);
  });
});

describe('GET /hosted-page.css', () => {
  it("serves the page's styles with an ETag and a cache policy", async () => {
    const response = await hostedApp().inject('/hosted-page.css');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(response.body).toContain('font-family: system-ui');
    expect(response.body).toContain('color-scheme: light dark');
    expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(response.headers['cache-control']).toContain('max-age');
  });

  it('answers 304 when the ETag still matches', async () => {
    const app = hostedApp();
    const { etag } = (await app.inject('/hosted-page.css')).headers;
    const response = await app.inject({ url: '/hosted-page.css', headers: { 'if-none-match': String(etag) } });
    expect(response.statusCode).toBe(304);
    expect(response.body).toBe('');
  });
});

describe('the policy', () => {
  it('allows our own origin and the given style hashes only: no inline script, no other inline style', () => {
    const policy = buildHostedPagePolicy(["'sha256-AAAA'", "'sha256-BBBB'"]);
    expect(policy).toBe(
      "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'sha256-AAAA' 'sha256-BBBB'; img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
    );
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('form-action');
  });

  it('hashes a style as CSP does: SHA-256 of its UTF-8 bytes, base64, quoted', () => {
    expect(hashStyle('')).toBe("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    expect(hashStyle('a { content: "é" }')).toBe(sha256Source('a { content: "é" }'));
    expect(hashStyle(HOSTED_PAGE_STYLES)).not.toBe(hashStyle(`${HOSTED_PAGE_STYLES} `));
  });

  it("holds on every page the server renders: the form, each notice, each language, the widget alone", async () => {
    const app = hostedApp();
    const pages = [
      `?state=S1&session_token=${await mintSessionToken()}`,
      `?state=S1&session_token=${await mintSessionToken({ lang: 'es' })}`,
      `?state=S1&session_token=${await mintSessionToken({}, { iat: NOW_SECONDS - 3600, expiresIn: 900 })}`,
      `?state=S1&session_token=${await mintSessionToken({}, { secret: 'another-secret-0123456789-abcdefghijklmn' })}`,
      '?state=S1&session_token=not.a-token',
      '?state=S1',
      '',
    ];
    const policies = new Set<string>();
    for (const query of pages) {
      const response = await app.inject({ url: `/${query}`, headers: { 'accept-language': 'es' } });
      expectPageHeaders(response);
      policies.add(String(response.headers['content-security-policy']));
    }
    // One policy for the pages rendered on the server, one for the widget alone: computed at start.
    expect(policies.size).toBe(2);
  });

  it("follows the element's styles when they change: the policy hashes what the renderer inlines", async () => {
    const changed = `${built.assets.renderer.ELEMENT_STYLES}\n:host { outline: 1px solid red; }`;
    const renderer = {
      ...built.assets.renderer,
      ELEMENT_STYLES: changed,
      renderElement: () => `<progressive-profile><template shadowrootmode="open"><style>${changed}</style><p part=notice>x</p></template></progressive-profile>`,
    };
    const response = await getPage(`?state=S1&session_token=${await mintSessionToken()}`, {}, { ...built.assets, renderer });
    expectPolicyAllowingItsStyles(response);
    const { sources } = readStyleSources(String(response.headers['content-security-policy']));
    expect(sources).toContain(sha256Source(changed));
    expect(sources).not.toContain(sha256Source(built.assets.renderer.ELEMENT_STYLES));
  });

  it('escapes a hostile Host header (the page links paths, never the host)', async () => {
    const response = await hostedApp().inject({ url: `/?state=S1&session_token=${await mintSessionToken()}`, headers: { host: 'x"><script>alert(1)</script>' } });
    expect(response.body).not.toContain('<script>alert(1)');
    expect(response.body).not.toContain('x&#34;');
  });
});
