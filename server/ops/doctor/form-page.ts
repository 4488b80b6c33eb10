// Check 5, with a form URL: the page answers, loads the widget from this server as a module, points
// the element at this server (whose GET /form answers this environment's form), keeps the session
// token in its URL away from other sites (Referrer-Policy), and may call the server (same origin,
// or listed in ALLOWED_ORIGINS and allowed by the running server).
import type { Config } from '../../config.js';
import { NetworkFailure, type DoctorHttp } from './http.js';
import { printable, type CheckId, type CheckResult } from './report.js';

type FormCheckId = Extract<CheckId, 'form_page' | 'form_widget' | 'form_endpoint' | 'form_referrer_policy' | 'form_origin'>;

const LABELS: Readonly<Record<FormCheckId, string>> = {
  form_page: 'form page',
  form_widget: 'widget script',
  form_endpoint: 'widget endpoint',
  form_referrer_policy: 'Referrer-Policy',
  form_origin: 'page origin',
};
const BUNDLE_PATH = '/progressive-profile.js';
const SERVER_URL_FIX = 'or pass --server-url with the server’s public address if that is where it is';
// Policies that send the page's whole URL (and the session token in it) to other sites.
const LEAKING_POLICIES = new Set(['unsafe-url', 'no-referrer-when-downgrade']);
const REFERRER_POLICIES = new Set([
  'no-referrer',
  'no-referrer-when-downgrade',
  'same-origin',
  'origin',
  'strict-origin',
  'origin-when-cross-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
]);

/** The five form-page lines, skipped with `reason`. */
export function skipFormChecks(reason: string): CheckResult[] {
  return (Object.keys(LABELS) as FormCheckId[]).map((id) => ({ id, label: LABELS[id], status: 'skip', message: reason }));
}

/**
 * `serverBase`: this server's public URL without a trailing slash (`https://profile.example.com`,
 * or `https://example.com/profile` when mounted under a prefix).
 */
export async function checkFormPage(http: DoctorHttp, config: Config, formUrl: URL, serverBase: string): Promise<CheckResult[]> {
  const shown = display(formUrl);
  const pageFailed = (message: string, fix: string) => [
    line('form_page', 'fail', message, fix),
    ...skipFormChecks('not checked: the form page did not load').slice(1),
  ];

  if (formUrl.protocol === 'http:' && !isLoopback(formUrl.hostname)) {
    return pageFailed(
      `${shown} is plain http: the session token travels in its URL`,
      'serve the page over https (the Action refuses any other form URL but localhost)',
    );
  }
  let response: Response;
  let html: string;
  try {
    response = await http.request(formUrl, { headers: { accept: 'text/html' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      return pageFailed(`${shown} answered ${response.status}`, 'check PROFILE_FORM_URL (or --form-url) and that the page is published');
    }
    html = await http.readText(response);
  } catch (error) {
    if (error instanceof NetworkFailure) return pageFailed(error.message, 'check the form page’s address and that its host is up');
    throw error;
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (!/^\s*text\/html\b/iu.test(contentType)) {
    return pageFailed(
      `${shown} answered ${contentType === '' ? 'without a content type' : contentType}, not an HTML page`,
      'point the form URL at the HTML page that holds <progressive-profile>',
    );
  }
  const pageUrl = new URL(response.url || formUrl.href);
  const redirected = display(pageUrl) === shown ? '' : ` (after a redirect to ${display(pageUrl)})`;
  const document = parseDocument(html, pageUrl);

  return [
    line('form_page', 'pass', `${shown} answers 200 with an HTML page${redirected}`),
    await checkWidgetScript(http, document, pageUrl, serverBase),
    await checkEndpoint(http, config, document, serverBase),
    checkReferrerPolicy(response.headers.get('referrer-policy'), document),
    await checkOrigin(http, config, pageUrl, serverBase),
  ];
}

function line(id: FormCheckId, status: CheckResult['status'], message: string, fix?: string): CheckResult {
  return { id, label: LABELS[id], status, message, ...(fix === undefined ? {} : { fix }) };
}

async function checkWidgetScript(http: DoctorHttp, document: ParsedDocument, pageUrl: URL, serverBase: string): Promise<CheckResult> {
  const expected = `${serverBase}${BUNDLE_PATH}`;
  const tag = `<script type="module" src="${expected}"></script>`;
  const widgetScripts = document.scripts.filter((script) => script.url?.pathname.endsWith(BUNDLE_PATH));
  if (widgetScripts.length === 0) {
    return line(
      'form_widget',
      'warn',
      `the page's HTML has no <script src=".../progressive-profile.js">`,
      `load the widget with ${tag} (a page that bundles the widget or adds it with JavaScript cannot be checked from outside)`,
    );
  }
  const ours = widgetScripts.find((script) => script.url !== undefined && sameResource(script.url, new URL(expected)));
  if (!ours) {
    const elsewhere = widgetScripts[0]?.url as URL;
    const found = `the page loads the widget from ${display(elsewhere)}, not from this server (${expected})`;
    return line('form_widget', 'fail', found, `load it with ${tag}, ${SERVER_URL_FIX}`);
  }
  if (ours.attributes.get('type')?.toLowerCase() !== 'module') {
    return line('form_widget', 'fail', `the page loads ${expected} without type="module"`, `write ${tag}: the bundle is an ES module`);
  }
  try {
    const response = await http.request(expected, { headers: { origin: pageUrl.origin } });
    await response.body?.cancel();
    if (response.status === 404) {
      const fix = 'build it (`npm run build`) before starting the server, or install the published package';
      return line('form_widget', 'fail', `${expected} answered 404: the server has no widget bundle`, fix);
    }
    if (response.status !== 200) {
      return line('form_widget', 'fail', `${expected} answered ${response.status}`, 'check the server’s log and any proxy in front of it');
    }
    const allowOrigin = response.headers.get('access-control-allow-origin');
    const isCrossOrigin = pageUrl.origin !== new URL(expected).origin;
    if (isCrossOrigin && allowOrigin !== '*' && allowOrigin !== pageUrl.origin) {
      return line(
        'form_widget',
        'fail',
        `${expected} answers without Access-Control-Allow-Origin, so the browser refuses it as a module script from ${pageUrl.origin}`,
        'let the proxy in front of the server pass the header the server sends (Access-Control-Allow-Origin: *)',
      );
    }
  } catch (error) {
    if (error instanceof NetworkFailure) {
      return line('form_widget', 'fail', `the page loads ${expected}, but ${error.message}`, `start the server, ${SERVER_URL_FIX}`);
    }
    throw error;
  }
  return line('form_widget', 'pass', `the page loads ${expected} as a module script, and it answers 200`);
}

async function checkEndpoint(http: DoctorHttp, config: Config, document: ParsedDocument, serverBase: string): Promise<CheckResult> {
  const suggestion = `<progressive-profile endpoint="${serverBase}">`;
  const element = document.elements[0];
  if (!element) {
    return line(
      'form_endpoint',
      'warn',
      `the page's HTML has no <progressive-profile> element`,
      `add ${suggestion}</progressive-profile> (a page that renders it with JavaScript cannot be checked from outside)`,
    );
  }
  const endpoint = element.get('endpoint');
  if (endpoint === undefined || endpoint.trim() === '') {
    return line('form_endpoint', 'fail', '<progressive-profile> has no endpoint attribute, so it shows "This form is not set up."', `write ${suggestion}`);
  }
  // As the widget resolves it (widget/form-client.ts endpointUrl): against the page's base URL.
  let formEndpoint: URL;
  try {
    formEndpoint = new URL(`${endpoint.trim().replace(/\/+$/u, '')}/form`, document.baseUrl);
  } catch {
    return line('form_endpoint', 'fail', `<progressive-profile endpoint="${printable(endpoint)}"> is not a URL`, `write ${suggestion}`);
  }
  const expected = new URL(`${serverBase}/form`);
  if (!sameResource(formEndpoint, expected)) {
    const resolved = formEndpoint.href.replace(/\/form$/u, '');
    const found = `<progressive-profile> points at ${resolved}, not this server (${serverBase})`;
    return line('form_endpoint', 'fail', found, `write ${suggestion}, ${SERVER_URL_FIX}`);
  }
  try {
    const response = await http.request(expected, { headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      const found = `the widget points at ${serverBase}, but its GET /form answered ${response.status}`;
      return line('form_endpoint', 'fail', found, `check that the server runs there, ${SERVER_URL_FIX}`);
    }
    const served = (await http.readJson(response)) as { fields?: Array<{ id?: unknown }> } | undefined;
    const servedIds = Array.isArray(served?.fields) ? served.fields.map((field) => String(field?.id)) : [];
    const configuredIds = config.form.fields.map((field) => field.id);
    if (servedIds.join(',') !== configuredIds.join(',')) {
      return line(
        'form_endpoint',
        'fail',
        `the server at ${serverBase} answers a form of ${servedIds.join(', ') || 'no field'}, not this environment's ${configuredIds.join(', ')}`,
        'restart the server with this environment (PROFILE_FIELDS_FILE), or run doctor with the server’s environment',
      );
    }
  } catch (error) {
    if (error instanceof NetworkFailure) {
      return line('form_endpoint', 'fail', `the widget points at ${serverBase}, but ${error.message}`, `start the server, ${SERVER_URL_FIX}`);
    }
    throw error;
  }
  return line('form_endpoint', 'pass', `the widget points at ${serverBase}, whose GET /form answers this environment's form`);
}

function checkReferrerPolicy(header: string | null, document: ParsedDocument): CheckResult {
  const headerPolicy = lastPolicy(header ?? '');
  // A <meta name="referrer"> applies after the header, so it wins.
  const metaPolicy = lastPolicy(document.metaReferrer ?? '');
  const policy = metaPolicy ?? headerPolicy;
  const where = metaPolicy !== undefined ? `<meta name="referrer" content="${metaPolicy}">` : `Referrer-Policy: ${headerPolicy}`;
  const fix = 'send the page with Referrer-Policy: no-referrer (or <meta name="referrer" content="no-referrer"> in its head)';
  if (policy === 'no-referrer') return line('form_referrer_policy', 'pass', `the page sets ${where}`);
  if (policy !== undefined && LEAKING_POLICIES.has(policy)) {
    return line('form_referrer_policy', 'fail', `the page sets ${where}: every request it makes sends other sites its URL, session token included`, fix);
  }
  const found = policy === undefined ? 'the page sets no Referrer-Policy' : `the page sets ${where}`;
  return line(
    'form_referrer_policy',
    'warn',
    `${found}, so requests it makes to its own origin carry the session token in its URL until the widget removes it`,
    fix,
  );
}

async function checkOrigin(http: DoctorHttp, config: Config, pageUrl: URL, serverBase: string): Promise<CheckResult> {
  const pageOrigin = pageUrl.origin;
  const serverOrigin = new URL(serverBase).origin;
  if (pageOrigin === serverOrigin) return line('form_origin', 'pass', `the page is on the server's own origin ${serverOrigin} (no CORS needed)`);
  if (!config.allowedOrigins.includes(pageOrigin)) {
    return line(
      'form_origin',
      'fail',
      `${pageOrigin} is not in ALLOWED_ORIGINS, so the browser blocks the widget's calls to ${serverOrigin}`,
      `add it (ALLOWED_ORIGINS=${[...config.allowedOrigins, pageOrigin].join(',')}) and restart the server`,
    );
  }
  // The running server may have started with another environment: ask it as the browser will.
  try {
    const response = await http.request(`${serverBase}/submit`, {
      method: 'OPTIONS',
      headers: { origin: pageOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    await response.body?.cancel();
    if (response.headers.get('access-control-allow-origin') !== pageOrigin) {
      return line(
        'form_origin',
        'fail',
        `ALLOWED_ORIGINS lists ${pageOrigin}, but the server at ${serverBase} does not allow it (its CORS preflight answered ${response.status} without it)`,
        'restart the server with this environment, or run doctor with the server’s environment',
      );
    }
  } catch (error) {
    if (error instanceof NetworkFailure) {
      return line('form_origin', 'fail', `ALLOWED_ORIGINS lists ${pageOrigin}, but ${error.message}`, `start the server, ${SERVER_URL_FIX}`);
    }
    throw error;
  }
  return line('form_origin', 'pass', `${pageOrigin} is in ALLOWED_ORIGINS, and the server at ${serverOrigin} allows it`);
}

interface ParsedScript {
  readonly attributes: ReadonlyMap<string, string>;
  readonly url?: URL;
}

interface ParsedDocument {
  readonly baseUrl: URL;
  readonly scripts: readonly ParsedScript[];
  /** The attributes of each `<progressive-profile>` element, in order. */
  readonly elements: ReadonlyArray<ReadonlyMap<string, string>>;
  readonly metaReferrer?: string;
}

// Start tags with their attributes (quoted values may hold `>`); enough for the tags we look at.
const ATTRIBUTES = String.raw`((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>\x60]+))?)*)\s*/?>`;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/gu;

/** The tags the checks read, from the page's HTML without its comments. */
function parseDocument(html: string, pageUrl: URL): ParsedDocument {
  const source = html.replace(/<!--[\s\S]*?-->/gu, '');
  const tags = (name: string) => [...source.matchAll(new RegExp(`<${name}${ATTRIBUTES}`, 'giu'))].map((match) => readAttributes(match[1] ?? ''));
  const baseHref = tags('base').find((attributes) => attributes.has('href'))?.get('href');
  const baseUrl = resolve(baseHref, pageUrl) ?? pageUrl;
  const scripts = tags('script').map((attributes) => ({ attributes, url: resolve(attributes.get('src'), baseUrl) }));
  const metaReferrer = tags('meta').find((attributes) => attributes.get('name')?.toLowerCase() === 'referrer')?.get('content');
  return { baseUrl, scripts, elements: tags('progressive-profile'), metaReferrer };
}

function readAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of text.matchAll(ATTRIBUTE)) {
    const name = (match[1] as string).toLowerCase();
    if (!attributes.has(name)) attributes.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|quot|apos|lt|gt);/giu, (entity, body: string) => {
    const lower = body.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return named[lower] ?? entity;
  });
}

function resolve(href: string | undefined, base: URL): URL | undefined {
  if (href === undefined || href.trim() === '') return undefined;
  try {
    return new URL(href.trim(), base);
  } catch {
    return undefined;
  }
}

/** The policy a Referrer-Policy value sets: its last token a browser knows (unknown ones are ignored). */
function lastPolicy(value: string): string | undefined {
  const known = value
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => REFERRER_POLICIES.has(token));
  return known.at(-1);
}

function sameResource(a: URL, b: URL): boolean {
  return a.origin === b.origin && a.pathname === b.pathname;
}

/** A URL as the doctor prints it: origin and path, never a query (a pasted link may carry a session token). */
function display(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
