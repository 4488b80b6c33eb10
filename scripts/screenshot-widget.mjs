// Renders the built widget bundle (dist/progressive-profile.js) in Chromium against a canned /form
// answer and writes docs/images/widget-light.png and docs/images/widget-dark.png (2x scale).
// Run `npm run build:widget` first. Exits non-zero if the bundle does not come up as expected.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const BUNDLE = 'dist/progressive-profile.js';
const OUT_DIR = 'docs/images';

const form = {
  allow_skip: true,
  fields: [
    {
      id: 'company_name',
      label: { en: 'Company', es: 'Empresa' },
      type: 'text',
      required: true,
      maxLength: 100,
      autocomplete: 'organization',
      placeholder: 'Acme Inc.',
      target: 'user_metadata',
      unique: false,
    },
    {
      id: 'job_title',
      label: { en: 'Job title', es: 'Puesto' },
      type: 'text',
      required: true,
      maxLength: 100,
      autocomplete: 'organization-title',
      target: 'user_metadata',
      unique: false,
    },
    {
      id: 'team_size',
      label: 'Team size',
      type: 'select',
      required: false,
      options: [
        { value: '1-10', label: '1–10' },
        { value: '11-50', label: '11–50' },
        { value: '51+', label: '51 or more' },
      ],
      help: 'Helps us suggest the right plan.',
      target: 'user_metadata',
      unique: false,
    },
    {
      id: 'newsletter',
      label: 'Send me product news',
      type: 'checkbox',
      required: false,
      target: 'user_metadata',
      unique: false,
    },
  ],
};

const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({
  sub: 'auth0|screenshot',
  email_hint: 'a***@example.com',
  iat: 1,
  exp: 2,
})}.c2lnbmF0dXJl`;

const page = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Complete your profile</title>
<style>
  body { margin: 0; padding: 24px; font: 16px/1.5 system-ui, sans-serif; background: #f6f8fa; color: #1f2328; }
  @media (prefers-color-scheme: dark) { body { background: #010409; color: #e6edf3; } }
  h1 { font-size: 1.25rem; margin: 0 0 12px; }
  progressive-profile { border-radius: 8px; box-shadow: 0 1px 3px rgb(0 0 0 / 0.2); }
</style>
<h1>One more step</h1>
<progressive-profile endpoint="/" restart-url="/login"></progressive-profile>
<script type="module" src="/progressive-profile.js"></script>
`;

const bundle = readFileSync(BUNDLE);
const server = createServer((request, response) => {
  const { pathname } = new URL(request.url, 'http://localhost');
  if (pathname === '/') return send(response, 'text/html; charset=utf-8', page);
  if (pathname === '/progressive-profile.js') return send(response, 'text/javascript; charset=utf-8', bundle);
  if (pathname === '/form') return send(response, 'application/json', JSON.stringify(form));
  response.writeHead(404).end();
});

function send(response, type, body) {
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update'],
});

try {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ viewport: { width: 560, height: 720 }, deviceScaleFactor: 2, colorScheme });
    const tab = await context.newPage();
    await tab.goto(`${origin}/?state=screenshot&session_token=${token}`);
    const widget = tab.locator('progressive-profile');
    await widget.locator('[part="submit-button"]').waitFor();
    if (new URL(tab.url()).searchParams.has('session_token')) throw new Error('the bundle left session_token in the URL');
    // One filled field and one error show the states a user meets.
    await widget.getByLabel('Company').fill('Acme Inc.');
    await widget.locator('[part="submit-button"]').click();
    await widget.locator('[part="error"]').first().waitFor();
    await widget.getByLabel('Company').focus();
    await widget.screenshot({ path: `${OUT_DIR}/widget-${colorScheme}.png` });
    await context.close();
  }
  console.log(`wrote ${OUT_DIR}/widget-light.png and ${OUT_DIR}/widget-dark.png`);
} finally {
  await browser.close();
  server.close();
}
