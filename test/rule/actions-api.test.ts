// The emulated Actions endpoints of the Management API (demo/emulator/actions-api.ts): each asks
// for the scope Auth0 documents for it (reference §1.6), never read:triggers / update:triggers,
// and an action's secrets are answered as names with updated_at, never their values.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../demo/emulator/emulator.js';
import { SECRETS } from './support.js';

const SCOPES = ['read:actions', 'create:actions', 'update:actions'] as const;
type Scope = (typeof SCOPES)[number];

let emulator: Emulator;
const tokens = new Map<string, string>();

function client(clientId: string, scope: string) {
  return { clientId, clientSecret: randomBytes(16).toString('hex'), callbacks: [], scope };
}

const CLIENTS = [
  client('all', [...SCOPES, 'read:triggers', 'update:triggers'].join(' ')),
  ...SCOPES.map((scope) => client(`only-${scope}`, scope)),
  ...SCOPES.map((scope) => client(`all-but-${scope}`, [...SCOPES.filter((other) => other !== scope), 'read:triggers', 'update:triggers'].join(' '))),
];

async function call(clientId: string, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(`/api/v2/actions${path}`, emulator.origin), {
    method,
    headers: { authorization: `Bearer ${tokens.get(clientId)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, text: await response.text() };
}

let actionId: string;

beforeEach(async () => {
  emulator = createEmulator({ secrets: SECRETS, clients: CLIENTS });
  await emulator.listen();
  for (const { clientId, clientSecret } of CLIENTS) {
    const answer = await fetch(new URL('/oauth/token', emulator.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, audience: `${emulator.origin}/api/v2/` }),
    });
    tokens.set(clientId, ((await answer.json()) as { access_token: string }).access_token);
  }
  const created = await call('all', 'POST', '/actions', {
    name: 'Progressive Profile',
    code: 'exports.onExecutePostLogin = async () => {};',
    supported_triggers: [{ id: 'post-login', version: 'v3' }],
    secrets: [{ name: 'SESSION_TOKEN_SECRET', value: 'value-that-must-never-come-back-0123456789' }],
  });
  actionId = (JSON.parse(created.text) as { id: string }).id;
  await call('all', 'POST', `/actions/${actionId}/deploy`);
});

afterEach(() => emulator.close());

interface Endpoint {
  name: string;
  scope: Scope;
  method: string;
  path: () => string;
  body?: unknown;
}

const ENDPOINTS: Endpoint[] = [
  { name: 'lists actions', scope: 'read:actions', method: 'GET', path: () => '/actions' },
  { name: 'reads an action', scope: 'read:actions', method: 'GET', path: () => `/actions/${actionId}` },
  { name: 'creates an action', scope: 'create:actions', method: 'POST', path: () => '/actions', body: { name: 'Another', supported_triggers: [{ id: 'post-login' }] } },
  { name: 'updates an action', scope: 'update:actions', method: 'PATCH', path: () => `/actions/${actionId}`, body: { code: '// v2' } },
  { name: 'deploys an action', scope: 'create:actions', method: 'POST', path: () => `/actions/${actionId}/deploy` },
  { name: 'reads the post-login bindings', scope: 'read:actions', method: 'GET', path: () => '/triggers/post-login/bindings' },
  { name: 'replaces the post-login bindings', scope: 'update:actions', method: 'PATCH', path: () => '/triggers/post-login/bindings', body: { bindings: [] } },
];

describe("the emulated Actions API's scopes", () => {
  it.each(ENDPOINTS)('$name with $scope alone, and never without it', async ({ scope, method, path, body }) => {
    const allowed = await call(`only-${scope}`, method, path(), body);
    expect(allowed.status).toBeLessThan(300);
    const refused = await call(`all-but-${scope}`, method, path(), body);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({ errorCode: 'insufficient_scope', message: `Insufficient scope, expected any of: ${scope}` });
  });
});

describe("the emulated Actions API's answers", () => {
  it('gives an action\'s secrets as names with updated_at, never their values', async () => {
    for (const path of [`/actions/${actionId}`, '/actions']) {
      const answer = await call('all', 'GET', path);
      expect(answer.text).not.toContain('value-that-must-never-come-back');
      const body = JSON.parse(answer.text) as Record<string, any>;
      const action = path === '/actions' ? body.actions[0] : body;
      expect(action.secrets).toEqual([{ name: 'SESSION_TOKEN_SECRET', updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) }]);
      expect(action.deployed_version.secrets).toEqual(action.secrets);
    }
  });
});
