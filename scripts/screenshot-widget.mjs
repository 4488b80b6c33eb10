// Renders the built widget bundle (dist/progressive-profile.js and its phone chunk) in Chromium
// against canned server answers and writes into docs/images/:
//   widget-light.png, widget-dark.png      the form on a page that follows the system (2x scale)
//   widget-light-page-dark-os.png          the same form on a page that declares only light, on a dark system
//   widget-reload.png                      the page reloaded mid-form: the session and the draft are back
//   widget-finished.png                    the page reloaded after a success: done, "Back to the app"
//   widget-final-error.png                 after session_expired: no buttons, "Sign in again" only
//   widget-r2-light.png, widget-r2-dark.png  every revision-2 control, partly filled, with errors
// The others are at 1x to keep them small. Run `npm run build:widget` first. Exits non-zero if the
// bundle does not come up as expected.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const DIST = 'dist';
const OUT_DIR = 'docs/images';

const field = (definition) => ({ required: false, target: 'user_metadata', unique: false, ...definition });

const BASIC_FORM = {
  allow_skip: true,
  fields: [
    field({ id: 'company_name', label: { en: 'Company', es: 'Empresa' }, type: 'text', required: true, maxLength: 100, autocomplete: 'organization', placeholder: 'Acme Inc.' }),
    field({ id: 'job_title', label: { en: 'Job title', es: 'Puesto' }, type: 'text', required: true, maxLength: 100, autocomplete: 'organization-title' }),
    field({
      id: 'team_size',
      label: 'Team size',
      type: 'select',
      options: [
        { value: '1-10', label: '1–10' },
        { value: '11-50', label: '11–50' },
        { value: '51+', label: '51 or more' },
      ],
      help: 'Helps us suggest the right plan.',
    }),
    field({ id: 'newsletter', label: 'Send me product news', type: 'checkbox' }),
  ],
};

const R2_FORM = {
  allow_skip: true,
  fields: [
    field({ id: 'bio', label: 'About you', type: 'textarea', maxLength: 200, help: 'A line or two for your teammates.' }),
    field({
      id: 'plan',
      label: 'Plan',
      type: 'radio',
      required: true,
      options: [
        { value: 'free', label: 'Free' },
        { value: 'pro', label: 'Pro' },
        { value: 'team', label: 'Team' },
      ],
    }),
    field({
      id: 'topics',
      label: 'Topics you care about',
      type: 'multiselect',
      minItems: 2,
      maxItems: 3,
      options: [
        { value: 'auth', label: 'Sign-in' },
        { value: 'billing', label: 'Billing' },
        { value: 'api', label: 'API' },
        { value: 'mobile', label: 'Mobile apps' },
      ],
    }),
    field({ id: 'mobile', label: 'Mobile', type: 'tel', autocomplete: 'tel', default_country: 'ES', countries: ['ES', 'MX', 'US', 'GB', 'DE', 'FR'] }),
    field({ id: 'terms', label: 'I accept the terms of service', type: 'consent', required: true, policy_url: 'https://example.com/terms', version: '2026-11', target: 'app_metadata' }),
    field({ id: 'password', label: 'Password', type: 'password', required: true, password_policy: { policy: 'good', min_length: 8 } }),
  ],
};

const FORMS = { basic: BASIC_FORM, expired: BASIC_FORM, r2: R2_FORM };
const CONTINUE = { continue_url: 'https://acme.eu.auth0.com/continue?state=screenshot', session_token: 'T2' };

const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const token = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({
  sub: 'auth0|screenshot',
  email_hint: 'a***@example.com',
  iat: now,
  exp: now + 3600,
})}.c2lnbmF0dXJl`;

/** A page with a card for the element; `scheme` is what the page declares (`light dark`: it follows the system). */
function page({ endpoint, scheme }) {
  const followsSystem = scheme === 'light dark';
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Complete your profile</title>
<style>
  :root { color-scheme: ${scheme}; }
  body { margin: 0; padding: 24px; font: 16px/1.5 system-ui, sans-serif; background: #f6f8fa; color: #1f2328; }
  main { max-width: 30rem; padding: 24px; border-radius: 8px; background: #fff; box-shadow: 0 1px 3px rgb(0 0 0 / 0.2); }
  ${followsSystem ? '@media (prefers-color-scheme: dark) { body { background: #010409; color: #e6edf3; } main { background: #0d1117; box-shadow: 0 0 0 1px #3d444d; } }' : ''}
  h1 { font-size: 1.25rem; margin: 0 0 12px; }
</style>
<main>
<h1>One more step</h1>
<progressive-profile endpoint="${endpoint}" restart-url="/login"></progressive-profile>
</main>
<script type="module" src="/progressive-profile.js"></script>
`;
}

const files = {
  '/progressive-profile.js': readFileSync(`${DIST}/progressive-profile.js`),
  '/progressive-profile-calling-codes.js': readFileSync(`${DIST}/progressive-profile-calling-codes.js`),
};

const server = createServer(async (request, response) => {
  const { pathname, searchParams } = new URL(request.url, 'http://localhost');
  if (pathname === '/') {
    const html = page({ endpoint: `/${searchParams.get('form') ?? 'basic'}`, scheme: searchParams.get('scheme') ?? 'light dark' });
    return send(response, 200, 'text/html; charset=utf-8', html);
  }
  if (Object.hasOwn(files, pathname)) return send(response, 200, 'text/javascript; charset=utf-8', files[pathname]);
  const [, form, action] = /^\/(\w+)\/(form|submit|skip)$/.exec(pathname) ?? [];
  if (!Object.hasOwn(FORMS, form ?? '')) return send(response, 404, 'application/json', '{"error":"invalid_request"}');
  if (action === 'form') return send(response, 200, 'application/json', JSON.stringify(FORMS[form]));
  for await (const _ of request);
  if (form === 'expired') return send(response, 401, 'application/json', JSON.stringify({ error: 'session_expired', message: 'The session expired.' }));
  return send(response, 200, 'application/json', JSON.stringify(CONTINUE));
});

function send(response, status, type, body) {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update'],
});
const written = [];

/** Opens a page with a fresh session in a new tab; `run` then drives it and returns the locator to capture. */
async function capture(name, { colorScheme = 'light', scale = 1, query = '', run }) {
  const context = await browser.newContext({ viewport: { width: 560, height: 1100 }, deviceScaleFactor: scale, colorScheme });
  try {
    const tab = await context.newPage();
    // The page continues the login itself, so that a success stays on the page.
    await tab.addInitScript(() => document.addEventListener('pp-success', (event) => event.preventDefault()));
    await tab.goto(`${origin}/?${query}&state=screenshot&session_token=${token}`);
    const widget = tab.locator('progressive-profile');
    await widget.locator('[part="submit-button"]').waitFor();
    if (new URL(tab.url()).searchParams.has('session_token')) throw new Error('the bundle left session_token in the URL');
    const target = (await run?.(tab, widget)) ?? widget;
    await target.screenshot({ path: `${OUT_DIR}/${name}.png` });
    written.push(`${name}.png`);
  } finally {
    await context.close();
  }
}

/** One filled field and one error: the states a user meets. */
async function fillBasic(tab, widget) {
  await widget.getByLabel('Company').fill('Acme Inc.');
  await widget.locator('[part="submit-button"]').click();
  await widget.locator('[part="error"]').first().waitFor();
  await widget.getByLabel('Company').focus();
}

try {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const colorScheme of ['light', 'dark']) {
    await capture(`widget-${colorScheme}`, { colorScheme, scale: 2, run: fillBasic });
  }
  await capture('widget-light-page-dark-os', { colorScheme: 'dark', query: 'scheme=light', run: (tab) => fillBasic(tab, tab.locator('progressive-profile')).then(() => tab.locator('main')) });
  await capture('widget-reload', {
    run: async (tab, widget) => {
      await widget.getByLabel('Company').fill('Acme Inc.');
      await widget.getByLabel('Job title').fill('Engineer');
      await tab.reload();
      await widget.locator('[part="submit-button"]').waitFor();
      if ((await widget.getByLabel('Company').inputValue()) !== 'Acme Inc.') throw new Error('a reload lost the draft');
      return tab.locator('main');
    },
  });
  await capture('widget-finished', {
    run: async (tab, widget) => {
      await widget.getByLabel('Company').fill('Acme Inc.');
      await widget.getByLabel('Job title').fill('Engineer');
      await widget.locator('[part="submit-button"]').click();
      await widget.getByText('Done').waitFor();
      await tab.reload();
      await widget.locator('[part="back-link"]').waitFor();
      return tab.locator('main');
    },
  });
  await capture('widget-final-error', {
    query: 'form=expired',
    run: async (tab, widget) => {
      await widget.getByLabel('Company').fill('Acme Inc.');
      await widget.getByLabel('Job title').fill('Engineer');
      await widget.locator('[part="submit-button"]').click();
      await widget.locator('[part="restart-link"]').waitFor();
      if (await widget.locator('button').count()) throw new Error('a final error left buttons');
      return tab.locator('main');
    },
  });
  for (const colorScheme of ['light', 'dark']) {
    await capture(`widget-r2-${colorScheme}`, {
      colorScheme,
      query: 'form=r2',
      run: async (tab, widget) => {
        await widget.locator('[part="country"]').waitFor();
        await widget.getByLabel('About you').fill('I build the sign-in of our mobile apps.');
        await widget.getByLabel('Sign-in').check();
        await widget.getByLabel('Mobile', { exact: true }).fill('612 34 56 78');
        await widget.locator('input[type="password"]').fill('hunter2');
        // Leave the field first: the error it shows then would move the button under the pointer.
        await widget.locator('input[type="password"]').blur();
        await widget.locator('[part="submit-button"]').click();
        await widget.locator('[part="notice"] p').waitFor();
        await widget.locator('[part="error"]').first().waitFor();
        await widget.getByLabel('Pro').focus();
        return tab.locator('main');
      },
    });
  }
  console.log(`wrote ${written.map((name) => `${OUT_DIR}/${name}`).join(', ')}`);
} finally {
  await browser.close();
  server.close();
}
