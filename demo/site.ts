// The demo site: a stand-in for the site owner's application. It signs users in through the
// emulated tenant (/authorize → /callback), shows the profile Auth0 returns, and hosts the
// "complete your profile" page that embeds the widget with the two lines a site owner copies.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

export interface DemoSiteOptions {
  /** The emulated tenant's origin, e.g. http://127.0.0.1:4010. */
  tenantOrigin: string;
  /** The profile server's origin, e.g. http://127.0.0.1:3000: the widget's script and endpoint. */
  serverOrigin: string;
  /** The site's applications (client ids at the tenant); the first is the default. */
  apps: ReadonlyArray<{ clientId: string; name: string }>;
  /** This site's own origin, for the callback URL. */
  origin: string;
  /** Shown on the home page so a visitor knows whom to sign in as. */
  demoUsers?: ReadonlyArray<{ email: string; signIn: string; note: string }>;
  demoPassword?: string;
}

interface TokenAnswer {
  profile?: {
    user_id: string;
    email: string;
    name: string;
    user_metadata: Record<string, unknown>;
    app_metadata: Record<string, unknown>;
    identities?: Array<{ connection: string; provider: string; user_id: string }>;
  };
}

const STATE_COOKIE = 'demo_state';
// No favicon request (and no 404 in every console): an empty icon.
const NO_FAVICON = '<link rel="icon" href="data:,">';

/** Builds the demo site (never listens). */
export function buildDemoSite(options: DemoSiteOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const callbackUrl = `${options.origin}/callback`;

  app.addHook('onSend', async (_request, reply) => {
    // The form page carries T1 in its URL until the widget strips it: never leak it in a Referer.
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
  });

  if (options.apps.length === 0) throw new TypeError('buildDemoSite: option "apps" must name at least one application');
  const findApp = (clientId: string | undefined) => options.apps.find((app) => app.clientId === clientId) ?? options.apps[0];

  app.get('/', async (_request, reply) => sendPage(reply, 'Progressive Profile demo', renderHome(options)));

  app.get('/login', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const { clientId } = findApp(query.app);
    // The state names the application, so the callback exchanges the code as that client.
    const state = `${randomBytes(16).toString('base64url')}.${clientId}`;
    const authorize = new URL('/authorize', options.tenantOrigin);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: callbackUrl,
      response_type: 'code',
      scope: 'openid profile email',
      state,
    }).toString();
    // prompt=none (silent) and prompt=login (ask again despite the tenant's session) pass through.
    if (query.prompt === 'none' || query.prompt === 'login') authorize.searchParams.set('prompt', query.prompt);
    reply.header('set-cookie', `${STATE_COOKIE}=${state}; Path=/; HttpOnly; SameSite=Lax`);
    return reply.redirect(authorize.toString());
  });

  app.get('/callback', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const expected = readCookie(request.headers.cookie, STATE_COOKIE);
    reply.header('set-cookie', `${STATE_COOKIE}=; Path=/; Max-Age=0`);
    if (!expected) {
      // The state cookie goes with the first use of the answer: a reload or Back comes here.
      return sendPage(reply, 'Already signed in', renderProblem('This sign-in answer was already used (the page was reloaded or opened again). Sign in again to continue.'), 400);
    }
    if (!query.state || !isSameText(expected, query.state)) {
      return sendPage(reply, 'Sign-in failed', renderProblem('The sign-in answer did not match this browser. Please sign in again.'), 400);
    }
    const clientId = findApp(expected.slice(expected.indexOf('.') + 1)).clientId;
    if (query.error) {
      return sendPage(reply, 'Sign-in refused', renderProblem(`${query.error}: ${query.error_description ?? ''}`), 401);
    }
    const answer = await fetch(new URL('/oauth/token', options.tenantOrigin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: clientId,
        code: query.code,
        redirect_uri: callbackUrl,
      }),
    });
    const body = (await answer.json().catch(() => ({}))) as TokenAnswer;
    if (!answer.ok || !body.profile) {
      return sendPage(reply, 'Sign-in failed', renderProblem('The tenant refused the sign-in code. Please sign in again.'), 502);
    }
    return sendPage(reply, `Signed in as ${body.profile.name}`, renderProfile(body.profile, findApp(clientId)));
  });

  app.get('/logout', async (_request, reply) => {
    const logout = new URL('/v2/logout', options.tenantOrigin);
    logout.search = new URLSearchParams({ client_id: options.apps[0].clientId, returnTo: `${options.origin}/` }).toString();
    return reply.redirect(logout.toString());
  });

  app.get('/complete-profile', async (_request, reply) =>
    sendPage(reply, 'Complete your profile', renderFormPage(options.serverOrigin)),
  );

  return app;
}

function sendPage(reply: FastifyReply, title: string, body: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
${NO_FAVICON}
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f7f9; }
  header { background: #1b1f24; color: #fff; padding: 0.75rem 1rem; }
  header a { color: #fff; }
  main { max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
  .card { background: #fff; border-radius: 8px; padding: 1.5rem; box-shadow: 0 1px 3px rgb(0 0 0 / 0.12); }
  .button { display: inline-block; background: #0b57d0; color: #fff; padding: 0.6rem 1.2rem; border-radius: 6px; text-decoration: none; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
  code { font-size: 0.9em; }
</style>
</head>
<body>
<header><a href="/">Acme demo app</a></header>
<main>
<div class="card">
${body}
</div>
</main>
</body>
</html>`);
}

function renderHome(options: DemoSiteOptions): string {
  const users = (options.demoUsers ?? [])
    .map((user) => `<tr><td><code>${escapeHtml(user.email)}</code></td><td>${escapeHtml(user.signIn)}</td><td>${escapeHtml(user.note)}</td></tr>`)
    .join('');
  const buttons = options.apps
    .map((app) => `<a class="button" href="/login?app=${encodeURIComponent(app.clientId)}">${escapeHtml(options.apps.length > 1 ? `Sign in to ${app.name}` : 'Sign in')}</a>`)
    .join(' ');
  return `<h1>Acme demo app</h1>
<p>Sign in through the local Auth0 tenant emulator. Users whose profile is incomplete are sent to a
short form from their second sign-in on, then straight back into the login.</p>
<p>${buttons}</p>
${users ? `<h2>Demo users</h2><table><thead><tr><th>Email</th><th>Sign in with</th><th>What happens</th></tr></thead><tbody>${users}</tbody></table>` : ''}
${options.demoPassword ? `<p>Password of every demo user who signs in with one: <code>${escapeHtml(options.demoPassword)}</code></p>` : ''}`;
}

function renderProfile(profile: NonNullable<TokenAnswer['profile']>, app: { name: string }): string {
  const rows = (metadata: Record<string, unknown>) =>
    Object.entries(metadata)
      .map(([key, value]) => `<tr><th scope="row"><code>${escapeHtml(key)}</code></th><td>${escapeHtml(JSON.stringify(value))}</td></tr>`)
      .join('') || '<tr><td colspan="2">(empty)</td></tr>';
  const identities = (profile.identities ?? [])
    .map((identity) => `<li><code>${escapeHtml(identity.connection)}</code> (<code>${escapeHtml(`${identity.provider}|${identity.user_id}`)}</code>)</li>`)
    .join('');
  return `<h1>Welcome back, ${escapeHtml(profile.name)}</h1>
<p>Signed in to ${escapeHtml(app.name)} as <code>${escapeHtml(profile.email)}</code> (<code>${escapeHtml(profile.user_id)}</code>).</p>
${identities ? `<h2>Identities</h2><ul id="identities">${identities}</ul>` : ''}
<h2>user_metadata</h2>
<table id="user-metadata">${rows(profile.user_metadata)}</table>
<h2>app_metadata</h2>
<table id="app-metadata">${rows(profile.app_metadata)}</table>
<p><a class="button" href="/login">Sign in again</a> <a class="button" href="/logout">Sign out</a></p>`;
}

function renderProblem(message: string): string {
  return `<h1>Sign-in did not complete</h1><p role="alert">${escapeHtml(message)}</p><p><a class="button" href="/login">Sign in again</a></p>`;
}

function renderFormPage(serverOrigin: string): string {
  const origin = escapeHtml(serverOrigin);
  // The two lines a site owner copies: the script tag and the element.
  return `<h1>Complete your profile</h1>
<script type="module" src="${origin}/progressive-profile.js"></script>
<progressive-profile endpoint="${origin}" restart-url="/login"></progressive-profile>`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function isSameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
