// A dev-server middleware for the browser tests: pages that load <progressive-profile> under a
// real Content-Security-Policy response header, and a fake Progressive Profile server on a second
// origin. The page origin is the test runner's own (http://localhost:PORT); the "server" origin is
// the same dev server reached as http://127.0.0.1:PORT, so the policy's SERVER is a real other
// origin and the widget's requests are real cross-origin fetches that the policy governs.
//
// GET /csp/page.html?module=source|bundle|bundle-no-chunk[&form=phone][&nonce=N][&adopted=off][&control=inline-style][&state=S]
//   module   source: widget/index.ts through the dev server; bundle: the built bundle (built-widget.mjs);
//            bundle-no-chunk: the built bundle from a place where its phone chunk is missing
//   form     phone: a form with a tel field (CSP_PHONE_FORM); r2: one field of each revision-2 type
//            (CSP_R2_FORM); else CSP_FORM
//   nonce    the page sets window.litNonce = N and its policy allows style-src 'nonce-N'
//   adopted  off: the page hides adoptedStyleSheets before the widget loads (an older browser)
//   control  inline-style: the page adds an inline <style>, which the policy must block
//   state    the login state; `upstream` and `expired` make POST /submit fail that way
// GET /csp/setup.js        records securitypolicyviolation events in window.violations and
//                          console.warn calls in window.warnings, applies the above
// SERVER/csp-server/form   the form definition; SERVER/csp-server/submit the continue answer
// SERVER/no-cors/form      the form definition without CORS headers: a server whose ALLOWED_ORIGINS
//                          leaves the page's origin out
import { BUILT_WIDGET_PATH, BUILT_WIDGET_WITHOUT_CHUNK_PATH } from './built-widget.mjs';

export const CSP_FORM = {
  allow_skip: true,
  fields: [
    {
      id: 'company_name',
      type: 'text',
      required: true,
      label: { en: 'Company', es: 'Empresa' },
      help: 'Where you work',
      placeholder: 'Acme Inc.',
      minLength: 2,
      maxLength: 40,
      autocomplete: 'organization',
      target: 'user_metadata',
      unique: false,
    },
    { id: 'work_email', type: 'email', required: false, label: 'Work email', target: 'user_metadata', unique: false },
    { id: 'team_size', type: 'number', required: false, label: 'Team size', target: 'user_metadata', unique: false },
    {
      id: 'country',
      type: 'select',
      required: true,
      label: 'Country',
      options: [
        { value: 'mx', label: { en: 'Mexico', es: 'México' } },
        { value: 'us', label: 'United States' },
      ],
      target: 'user_metadata',
      unique: false,
    },
    { id: 'terms', type: 'checkbox', required: true, label: 'I accept the terms', target: 'user_metadata', unique: false },
  ],
};

export const CSP_PHONE_FORM = {
  allow_skip: false,
  fields: [
    {
      id: 'mobile',
      type: 'tel',
      required: true,
      label: 'Mobile',
      default_country: 'ES',
      countries: ['ES', 'MX', 'US'],
      autocomplete: 'tel',
      target: 'user_metadata',
      unique: false,
    },
  ],
};

const field = (definition) => ({ required: false, target: 'user_metadata', unique: false, ...definition });

export const CSP_R2_FORM = {
  allow_skip: true,
  fields: [
    field({ id: 'bio', type: 'textarea', required: true, label: 'About you', help: 'A line or two', maxLength: 40 }),
    field({
      id: 'plan',
      type: 'radio',
      required: true,
      label: 'Plan',
      options: [
        { value: 'free', label: 'Free' },
        { value: 'pro', label: 'Pro' },
      ],
    }),
    field({
      id: 'topics',
      type: 'multiselect',
      label: 'Topics',
      minItems: 1,
      maxItems: 2,
      options: [
        { value: 'auth', label: 'Sign-in' },
        { value: 'billing', label: 'Billing' },
        { value: 'api', label: 'API' },
      ],
    }),
    field({ id: 'mobile', type: 'tel', label: 'Mobile', default_country: 'ES', countries: ['ES', 'MX', 'US'] }),
    field({ id: 'terms', type: 'consent', required: true, label: 'I accept the terms', policy_url: 'https://example.com/terms', version: '1' }),
    field({ id: 'password', type: 'password', required: true, label: 'Password', password_policy: { policy: 'fair', min_length: 8 } }),
  ],
};

export const CSP_CONTINUE = { continue_url: 'https://acme.eu.auth0.com/continue?state=S1', session_token: 'T2.continue.token' };

const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
// Valid for a day from the start of the run (the widget knows an expired token at load), and the
// same on every page, so two pages render alike.
const ISSUED_AT = Math.floor(Date.now() / 1000);
const TOKEN = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({
  sub: 'auth0|csp',
  email_hint: 'c***@example.com',
  iat: ISSUED_AT,
  exp: ISSUED_AT + 86_400,
})}.c2lnbmF0dXJl`;

const FAILURES = {
  upstream: [502, { error: 'upstream_error', message: 'The Management API failed.' }],
  expired: [401, { error: 'session_expired', message: 'The session expired.' }],
};

export function strictCspPages() {
  return async (context, next) => {
    const port = context.socket.localPort;
    const pageOrigin = `http://localhost:${port}`;
    const serverOrigin = `http://127.0.0.1:${port}`;
    if (context.path === '/csp/page.html') return servePage(context, serverOrigin);
    if (context.path === '/csp/setup.js') {
      context.type = 'text/javascript';
      context.body = SETUP_SCRIPT;
      return;
    }
    if (context.path.startsWith('/csp-server/')) return serveApi(context, pageOrigin);
    if (context.path === '/no-cors/form') {
      context.set('cache-control', 'no-store');
      context.body = CSP_FORM;
      return;
    }
    await next();
    // Module scripts from the "server" origin load cross-origin: they need CORS, as the real
    // server's /progressive-profile.js has.
    if (context.host === `127.0.0.1:${port}`) context.set('access-control-allow-origin', '*');
  };
}

function servePage(context, serverOrigin) {
  const { module = 'source', form, nonce, adopted, control, state = 'S1' } = context.query;
  const styleSources = nonce ? `'self' 'nonce-${nonce}'` : `'self'`;
  const policy = `default-src 'self'; script-src 'self' ${serverOrigin}; style-src ${styleSources}; connect-src ${serverOrigin}`;
  const path = { bundle: BUILT_WIDGET_PATH, 'bundle-no-chunk': BUILT_WIDGET_WITHOUT_CHUNK_PATH }[module] ?? '/widget/index.ts';
  const src = `${serverOrigin}${path}`;
  const api = form === 'phone' || form === 'r2' ? `csp-server/${form}` : 'csp-server';
  context.set('content-security-policy', policy);
  context.set('cache-control', 'no-store');
  context.type = 'text/html';
  context.body = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Strict CSP</title>
<script src="/csp/setup.js"${attribute('data-lit-nonce', nonce)}${attribute('data-adopted', adopted)}${attribute('data-control', control)}></script>
<progressive-profile endpoint="${serverOrigin}/${api}" restart-url="/login" state="${escapeHtml(state)}" session-token="${TOKEN}"></progressive-profile>
<script type="module" src="${src}"></script>
`;
}

async function serveApi(context, pageOrigin) {
  context.set('access-control-allow-origin', pageOrigin);
  context.set('vary', 'origin');
  context.set('cache-control', 'no-store');
  if (context.method === 'OPTIONS') {
    context.set('access-control-allow-methods', 'POST');
    context.set('access-control-allow-headers', 'content-type');
    context.status = 204;
    return;
  }
  const forms = { '/csp-server/form': CSP_FORM, '/csp-server/phone/form': CSP_PHONE_FORM, '/csp-server/r2/form': CSP_R2_FORM };
  if (context.method === 'GET' && Object.hasOwn(forms, context.path)) {
    context.body = forms[context.path];
    return;
  }
  if (context.method === 'POST' && /^\/csp-server\/((phone|r2)\/)?(submit|skip)$/.test(context.path)) {
    const body = JSON.parse((await readBody(context.req)) || '{}');
    const [status, answer] = FAILURES[body.state] ?? [200, CSP_CONTINUE];
    context.status = status;
    context.body = answer;
    return;
  }
  context.status = 404;
  context.body = { error: 'invalid_request', message: 'Not found.' };
}

async function readBody(request) {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text;
}

function attribute(name, value) {
  return value === undefined ? '' : ` ${name}="${escapeHtml(value)}"`;
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A classic script from 'self': the policy allows it, and it runs before the widget's module.
const SETUP_SCRIPT = `(() => {
  const { litNonce, adopted, control } = document.currentScript.dataset;
  window.violations = [];
  window.warnings = [];
  console.warn = (...args) => window.warnings.push(args.join(' '));
  document.addEventListener('securitypolicyviolation', (event) => {
    window.violations.push(event.violatedDirective + ' ' + (event.blockedURI || event.sample || ''));
  });
  if (litNonce !== undefined) window.litNonce = litNonce;
  // An older browser: Lit checks for this when its module loads, and falls back to <style> elements.
  if (adopted === 'off') delete CSSStyleSheet.prototype.replace;
  if (control === 'inline-style') {
    const style = document.createElement('style');
    style.textContent = 'html { outline: 1px solid red; }';
    document.head.append(style);
  }
})();
`;
