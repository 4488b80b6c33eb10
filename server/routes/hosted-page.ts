// GET /: the hosted page, so PROFILE_FORM_URL can point at the server itself: the widget, pointed
// at this server, and nothing else. T1 sits in its URL until the widget strips it, hence the
// strict policy: only our own script, connections only to ourselves, no framing, no referrer.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendTagged, tagBody } from '../http/etag.js';
import { CSS_TYPE, HTML_TYPE } from '../http/media-types.js';

/**
 * No `form-action`: the widget's top-level POST to Auth0's /continue is redirected onwards by
 * Auth0, and browsers apply form-action to every hop, which would block the login.
 */
export const HOSTED_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  // The page's own stylesheet (GET /hosted-page.css); the widget styles itself with constructable
  // stylesheets, which style-src does not restrict. No inline style anywhere.
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The page's own styles, served at /hosted-page.css: light or dark as the user's system prefers
 * (the widget inherits the page's `color-scheme`), the form on a card.
 */
export const HOSTED_PAGE_STYLES = `:root { color-scheme: light dark; }
body { margin: 0; font-family: system-ui, sans-serif; background: light-dark(#f6f7f9, #010409); color: light-dark(#1b1f24, #e6edf3); }
main { max-width: 32rem; margin: 2rem auto; padding: 1.5rem; background: light-dark(#fff, #0d1117); border-radius: 8px; box-shadow: 0 1px 3px light-dark(rgb(0 0 0 / 0.12), rgb(0 0 0 / 0.6)); }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
@media (max-width: 34rem) { main { margin: 0; border-radius: 0; box-shadow: none; } }
`;

export interface HostedPageOptions {
  /** This server's path (its prefix, or `/`): the widget's `endpoint`, resolved against the page. */
  endpoint: string;
  /** Path of the widget bundle on this server. */
  scriptPath: string;
  /** Path of the page's stylesheet on this server. */
  stylesPath: string;
  /** Path of GET /form, preloaded while the bundle downloads (the widget's first request). */
  formPath: string;
}

/** The page for a server mounted at `prefix` (`''` at the root). */
export function createHostedPageHandler(prefix: string) {
  // A path, not an absolute URL: the Host header is the client's to choose, never echoed back.
  const page = renderHostedPage({
    endpoint: prefix === '' ? '/' : prefix,
    scriptPath: `${prefix}/progressive-profile.js`,
    stylesPath: `${prefix}/hosted-page.css`,
    formPath: `${prefix}/form`,
  });
  return async function handleHostedPage(_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    return reply
      .header('cache-control', 'no-store')
      .header('content-security-policy', HOSTED_PAGE_CSP)
      .header('x-frame-options', 'DENY')
      .type(HTML_TYPE)
      .send(page);
  };
}

/** GET /hosted-page.css: the page's styles, cacheable and revalidated by their ETag. */
export function createHostedPageStylesHandler() {
  const tagged = tagBody(HOSTED_PAGE_STYLES, CSS_TYPE);
  return async function handleHostedPageStyles(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    void reply.header('cache-control', 'public, max-age=60, must-revalidate');
    return sendTagged(request, reply, tagged);
  };
}

export function renderHostedPage({ endpoint, scriptPath, stylesPath, formPath }: HostedPageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<title>Complete your profile</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(stylesPath)}">
<script type="module" src="${escapeHtml(scriptPath)}"></script>
<link rel="preload" href="${escapeHtml(formPath)}" as="fetch" crossorigin>
</head>
<body>
<main>
<h1>Complete your profile</h1>
<progressive-profile endpoint="${escapeHtml(endpoint)}"></progressive-profile>
<noscript><p>This form needs JavaScript. Please enable it and reload the page.</p></noscript>
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/gu, (character) => `&#${character.charCodeAt(0)};`);
}
