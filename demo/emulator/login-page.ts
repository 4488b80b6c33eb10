// The emulated tenant's HTML: the login page (email or username and password, a button per social
// connection, one-click demo users), the emulated social provider's account chooser, and the
// error and signed-out pages. Every value is escaped; pages are never cached.
import type { FastifyReply } from 'fastify';

/** A one-click sign-in on the login page: a demo user's password, or its social account. */
export type DemoPick =
  | { readonly kind: 'password'; readonly name: string; readonly email: string; readonly password: string }
  | { readonly kind: 'social'; readonly name: string; readonly email: string; readonly connection: string; readonly account: string };

/** An account the emulated social provider offers. */
export interface SocialAccount {
  readonly account: string;
  readonly name: string;
  readonly email: string;
  readonly isVerified: boolean;
}

export function sendPage(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(html);
}

export function renderLoginPage(options: {
  loginId: string;
  socialConnections: readonly string[];
  picks: readonly DemoPick[];
  error?: string;
  /** What the user typed as email or username, kept after a wrong password. */
  email?: string;
}): string {
  const id = escapeHtml(options.loginId);
  const socialButtons = options.socialConnections
    .map(
      (connection) => `<form method="get" action="/u/social/${encodeURIComponent(connection)}">
<input type="hidden" name="login" value="${id}">
<button type="submit" class="social">Continue with ${escapeHtml(socialLabel(connection))}</button>
</form>`,
    )
    .join('\n');
  const picks = options.picks.map((pick) => `<li>${renderPick(id, pick)}</li>`).join('\n');
  return page(
    'Log in',
    `<h1>Log in</h1>
<p>This is a local Auth0 tenant emulator. Pick a demo user or sign in with an email (or username) and password.</p>
${options.error ? `<p role="alert">${escapeHtml(options.error)}</p>` : ''}
<form method="post" action="/u/login">
<input type="hidden" name="login" value="${id}">
<label for="email">Email or username</label>
<input id="email" name="email" type="text" autocomplete="username" required${options.email ? ` value="${escapeHtml(options.email)}"` : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${options.error ? ' autofocus' : ''}>
<button type="submit">Continue</button>
</form>
${socialButtons ? `<p>or</p>\n${socialButtons}` : ''}
<h2>Demo users</h2>
<ul>
${picks}
</ul>`,
  );
}

/** The emulated provider's page: no real GitHub, a choice among the accounts it knows. */
export function renderSocialPage(options: { loginId: string; connection: string; accounts: readonly SocialAccount[] }): string {
  const id = escapeHtml(options.loginId);
  const label = escapeHtml(socialLabel(options.connection));
  const action = `/u/social/${encodeURIComponent(options.connection)}`;
  const accounts = options.accounts
    .map(
      (account) => `<li><form method="post" action="${action}">
<input type="hidden" name="login" value="${id}">
<input type="hidden" name="account" value="${escapeHtml(account.account)}">
<button type="submit">${escapeHtml(account.name)} <small>(${escapeHtml(account.email)}${account.isVerified ? '' : ', email not verified'})</small></button>
</form></li>`,
    )
    .join('\n');
  return page(
    `${socialLabel(options.connection)} (emulated)`,
    `<h1>Sign in with ${label}</h1>
<p>An emulated ${label}: no request leaves this machine. Choose the account to sign in with.</p>
<ul>
${accounts || '<li>No account of this provider is seeded.</li>'}
</ul>`,
  );
}

export function renderErrorPage(code: string, description: string): string {
  return page('Error', `<h1>Something went wrong</h1><p role="alert"><strong>${escapeHtml(code)}</strong>: ${escapeHtml(description)}</p>`);
}

export function renderSignedOutPage(): string {
  return page('Signed out', '<h1>Signed out</h1><p>You are signed out of the emulated tenant.</p>');
}

function renderPick(id: string, pick: DemoPick): string {
  const label = `${escapeHtml(pick.name)} <small>(${escapeHtml(pick.email)}${pick.kind === 'social' ? `, ${escapeHtml(socialLabel(pick.connection))}` : ''})</small>`;
  if (pick.kind === 'social') {
    return `<form method="post" action="/u/social/${encodeURIComponent(pick.connection)}">
<input type="hidden" name="login" value="${id}">
<input type="hidden" name="account" value="${escapeHtml(pick.account)}">
<button type="submit">${label}</button>
</form>`;
  }
  return `<form method="post" action="/u/login">
<input type="hidden" name="login" value="${id}">
<input type="hidden" name="email" value="${escapeHtml(pick.email)}">
<input type="hidden" name="password" value="${escapeHtml(pick.password)}">
<button type="submit">${label}</button>
</form>`;
}

function socialLabel(connection: string): string {
  return connection === 'github' ? 'GitHub' : connection;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Auth0 tenant emulator</title>
<link rel="icon" href="data:,">
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1b1f24; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { display: block; width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; border: 1px solid #6b7280; border-radius: 4px; }
  button { margin-top: 1rem; padding: .5rem 1rem; font: inherit; border: 0; border-radius: 4px; background: #1d4ed8; color: #fff; cursor: pointer; }
  button.social { margin-top: 0; background: #24292f; }
  button:focus-visible, input:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  ul { list-style: none; padding: 0; }
  li form button { width: 100%; text-align: left; background: #eef2ff; color: #1e3a8a; }
  [role="alert"] { color: #b91c1c; font-weight: 600; }
</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>`;
}
