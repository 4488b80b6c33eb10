// GET /: the hosted page, so PROFILE_FORM_URL can point at the server itself. With T1 in its URL the
// server verifies T1 (never spends it: single use is for /submit and /skip) and renders the form T1
// asks for into the page (declarative shadow DOM, the element's own templates), so the form shows
// as soon as the HTML does; its script (/progressive-profile-hosted.js) then hydrates it in place,
// keeping whatever the user typed before it ran. An expired, malformed or forged T1 gets the
// element's notice, rendered the same way, which needs no script. Without T1 (a reload: the widget
// strips T1 from the address bar and keeps it in the tab) the page is the widget pointed at this
// server, which finds the tab's session or explains that there is none.
//
// T1 sits in the URL until the widget strips it, hence the strict policy: only our own script, only
// our own styles (inline, each allowed by its hash), connections only to ourselves, no framing, no
// referrer; and no log line holds the query.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { selectFieldsToAsk } from '../../common/field-rules.js';
import type { ElementRenderOptions } from '../../common/element-renderer.js';
import type { FormDefinition } from '../../common/wire.js';
import { RequestError } from '../http/errors.js';
import { CSS_TYPE, HTML_TYPE } from '../http/media-types.js';
import { prepareStaticAsset, sendStaticAsset } from '../http/static-asset.js';
import { describeError } from '../ops/log.js';
import { loadHostedPageAssets, type HostedPageAssets } from '../ssr/hosted-page-assets.js';
import { choosePageLanguage } from '../ssr/page-language.js';
import { hashStyle } from '../ssr/style-hash.js';
import type { SessionTokenVerifier } from '../tokens/session-token.js';
import { createBundleHandler } from './bundle.js';

/**
 * The hosted page's policy, `styleHashes` being the `'sha256-…'` sources of exactly the `<style>`
 * elements the page holds (hashStyle). Styles are inline: a stylesheet linked from the element's
 * server-rendered shadow root holds up the form's first paint until it loads (about 50 ms). Once
 * hydrated, or rendered in the browser, the widget styles itself with the SSR'd `<style>` or a
 * constructable stylesheet, which style-src does not restrict. Never `'unsafe-inline'`.
 *
 * No `form-action`: the widget's top-level POST to Auth0's /continue is redirected onwards by
 * Auth0, and browsers apply form-action to every hop, which would block the login.
 */
export function buildHostedPagePolicy(styleHashes: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "connect-src 'self'",
    ["style-src 'self'", ...styleHashes].join(' '),
    "img-src 'self' data:",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The page's own styles, inline in its `<head>` (and served at /hosted-page.css): light or dark as
 * the user's system prefers (the widget inherits the page's `color-scheme`), the form on a card.
 */
export const HOSTED_PAGE_STYLES = `:root { color-scheme: light dark; }
body { margin: 0; font-family: system-ui, sans-serif; background: light-dark(#f6f7f9, #010409); color: light-dark(#1b1f24, #e6edf3); }
main { max-width: 32rem; margin: 2rem auto; padding: 1.5rem; background: light-dark(#fff, #0d1117); border-radius: 8px; box-shadow: 0 1px 3px light-dark(rgb(0 0 0 / 0.12), rgb(0 0 0 / 0.6)); }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
@media (max-width: 34rem) { main { margin: 0; border-radius: 0; box-shadow: none; } }
`;

/** The page's own words (the form's are the widget's), in the widget's languages. */
const PAGE_TEXT: Readonly<Record<string, { title: string; noScript: string }>> = {
  en: { title: 'Complete your profile', noScript: 'This form needs JavaScript. Please enable it and reload the page.' },
  es: { title: 'Completa tu perfil', noScript: 'Este formulario necesita JavaScript. Actívalo y vuelve a cargar la página.' },
};

export interface HostedPageRouteOptions {
  /** The prefix the plugin is mounted at (`''` at the root). */
  prefix: string;
  /** The form definition (GET /form's). */
  form: FormDefinition;
  /** T1's verifier (the one /submit and /skip use); the page only verifies. */
  verifier: SessionTokenVerifier;
  /** RESTART_URL: where the page's "Sign in again" and "Back to the app" lead. */
  restartUrl?: string;
  /**
   * The built renderer and script; undefined reads them from dist/ (loadHostedPageAssets), null
   * means none: the page is then the widget alone, rendered in the browser.
   */
  assets?: HostedPageAssets | null;
}

/**
 * Registers GET / (the page), /hosted-page.css (its styles) and, when the page renders on the
 * server, /progressive-profile.css (the element's styles) and /progressive-profile-hosted.js (its
 * script). The page inlines both stylesheets; their routes stay for pages of a site's own that
 * link them, and for the benchmark, which weighs them. The page never answers with an error: what
 * it cannot render on the server, the widget renders in the browser.
 */
export async function registerHostedPage(app: FastifyInstance, options: HostedPageRouteOptions): Promise<void> {
  const { prefix, form, verifier, restartUrl } = options;
  const assets = options.assets === undefined ? await loadHostedPageAssets() : options.assets;
  const paths = {
    endpoint: prefix === '' ? '/' : prefix,
    bundle: `${prefix}/progressive-profile.js`,
    hostedScript: `${prefix}/progressive-profile-hosted.js`,
    form: `${prefix}/form`,
  };
  const languages = assets?.renderer.LANGUAGES ?? Object.keys(PAGE_TEXT);
  // Each page's policy allows exactly the styles it inlines: the page's own, and the element's when
  // the element is rendered on the server (the widget rendered in the browser inlines none).
  const pageStylesHash = hashStyle(HOSTED_PAGE_STYLES);
  const policies = {
    client: buildHostedPagePolicy([pageStylesHash]),
    server: assets ? buildHostedPagePolicy([pageStylesHash, hashStyle(assets.renderer.ELEMENT_STYLES)]) : undefined,
  };

  app.get('/', async function handleHostedPage(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const query = request.query as Record<string, unknown>;
    const state = typeof query.state === 'string' ? query.state : '';
    const token = typeof query.session_token === 'string' ? query.session_token : '';
    const acceptLanguage = request.headers['accept-language'];
    let page: string | undefined;
    let policy = policies.client;
    if (assets && state && token && policies.server) {
      try {
        page = await renderServerPage(assets, { state, token, acceptLanguage });
        policy = policies.server;
      } catch (error) {
        // A renderer bug must not cost the user the form: the browser renders it instead.
        request.log.error({ err: describeError(error) }, 'hosted page: server rendering failed; the widget renders in the browser');
      }
    }
    page ??= renderClientPage({ ...paths, restartUrl, lang: choosePageLanguage(undefined, acceptLanguage, languages) });
    return reply
      .header('cache-control', 'no-store')
      .header('content-security-policy', policy)
      .header('x-frame-options', 'DENY')
      .type(HTML_TYPE)
      .send(page);
  });
  // Compressed at start, all at once (off the event loop).
  const [pageStylesHandler, elementStylesHandler, scriptHandler] = await Promise.all([
    createStylesHandler(HOSTED_PAGE_STYLES),
    assets && createStylesHandler(assets.renderer.ELEMENT_STYLES),
    assets && createBundleHandler(assets.script),
  ]);
  app.get('/hosted-page.css', pageStylesHandler);
  if (!assets || !elementStylesHandler || !scriptHandler) return;
  app.get('/progressive-profile.css', elementStylesHandler);
  app.get('/progressive-profile-hosted.js', scriptHandler);
  warmUp(assets.renderer, { endpoint: paths.endpoint, lang: 'en', restartUrl, decision: { state: '-', sessionToken: WARM_UP_TOKEN, form } });

  /** The page with the form (or the notice) rendered in; throws only on a renderer failure. */
  async function renderServerPage(
    { renderer }: HostedPageAssets,
    { state, token, acceptLanguage }: { state: string; token: string; acceptLanguage: string | undefined },
  ): Promise<string> {
    let decision: ElementRenderOptions['decision'];
    let claimedLanguage: unknown;
    try {
      const { claims } = await verifier.verify(token);
      // Verified: its display claims are the Action's. `lang` is read from the payload as well,
      // for a verifier that does not hand it over.
      claimedLanguage = (claims as { lang?: unknown }).lang ?? decodeJwt(token).lang;
      decision = { state, sessionToken: token, form: { ...form, fields: selectFieldsToAsk(form.fields, claims.fields) } };
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      decision = { problem: error.code };
    }
    const lang = choosePageLanguage(claimedLanguage, acceptLanguage, languages);
    const element = renderer.renderElement({ endpoint: paths.endpoint, lang, restartUrl, decision });
    // A notice needs no script: its only way on is a link.
    return renderPage({ lang, scriptPath: 'form' in decision ? paths.hostedScript : undefined, element });
  }
}

// A token of no claims, to render the whole form once at start: its display claims are all the
// element reads of it, and the render is thrown away.
const WARM_UP_TOKEN = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.-`;

/**
 * Renders the form once before the first request does: the renderer's first run compiles its code
 * and parses every template (tens of milliseconds the first user would otherwise wait).
 */
function warmUp(renderer: HostedPageAssets['renderer'], options: ElementRenderOptions): void {
  try {
    renderer.renderElement(options);
  } catch {
    // The page's own render reports the failure, and the browser renders the form instead.
  }
}

/** GET /hosted-page.css and /progressive-profile.css: compressed, cacheable and revalidated by their ETag. */
async function createStylesHandler(styles: string) {
  const asset = await prepareStaticAsset(styles, CSS_TYPE);
  return async function handleStyles(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    void reply.header('cache-control', 'public, max-age=60, must-revalidate');
    return sendStaticAsset(request, reply, asset);
  };
}

export interface ClientPageOptions {
  /** The page's language (the element follows it unless the tab's T1 names another). */
  lang: string;
  /** This server's path (its prefix, or `/`): the widget's `endpoint`, resolved against the page. */
  endpoint: string;
  /** Path of the widget bundle on this server. */
  bundle: string;
  /** Path of GET /form, preloaded while the bundle downloads (the widget's first request). */
  form: string;
  /** RESTART_URL, when set: the widget's `restart-url`. */
  restartUrl?: string;
}

/** The page without T1 (or without a server renderer): the widget, which renders in the browser. */
export function renderClientPage({ lang, endpoint, bundle, form, restartUrl }: ClientPageOptions): string {
  // A path, not an absolute URL: the Host header is the client's to choose, never echoed back.
  const restart = restartUrl === undefined ? '' : ` restart-url="${escapeHtml(restartUrl)}"`;
  const element = `<progressive-profile endpoint="${escapeHtml(endpoint)}"${restart}></progressive-profile>`;
  const head = `<link rel="preload" href="${escapeHtml(form)}" as="fetch" crossorigin>`;
  return renderPage({ lang, scriptPath: bundle, element, head });
}

/** The page around `element`; a page with a script says so to a browser without JavaScript. */
function renderPage(options: { lang: string; scriptPath: string | undefined; element: string; head?: string }): string {
  const { lang, scriptPath, element, head = '' } = options;
  const text = PAGE_TEXT[lang.split('-')[0].toLowerCase()] ?? PAGE_TEXT.en;
  const script = scriptPath ? `\n<script type="module" src="${escapeHtml(scriptPath)}"></script>` : '';
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(text.title)}</title>
<link rel="icon" href="data:,">
${PAGE_STYLE_ELEMENT}${script}${head ? `\n${head}` : ''}
</head>
<body>
<main>
<h1>${escapeHtml(text.title)}</h1>
${element}${scriptPath ? `\n<noscript><p>${escapeHtml(text.noScript)}</p></noscript>` : ''}
</main>
</body>
</html>
`;
}

// The page's styles, inline: the bytes hashed for its policy. Text in a <style> ends at `</style`.
if (/<\/style/iu.test(HOSTED_PAGE_STYLES)) throw new Error('the hosted page\'s styles hold `</style`, which cannot be inlined');
const PAGE_STYLE_ELEMENT = `<style>${HOSTED_PAGE_STYLES}</style>`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/gu, (character) => `&#${character.charCodeAt(0)};`);
}
