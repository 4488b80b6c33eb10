// Attacks on the session token (T1) and the continue token (T2): each answers the exact refusal
// and writes nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../../demo/stack.js';
import { CONTINUE_TOKEN_ISSUER } from '../../server/tokens/continue-token.js';
import { CUSTOM_DOMAIN, TENANT } from '../server/support/fixtures.js';
import {
  CONTINUE_SECRET, NOW_SECONDS, SESSION_SECRET, buildTestApp, closeApps, expectRefusal, forgeToken, logInAtTenant,
  mintSessionToken, postJson, postToContinue, sessionClaims, submitBody, verifyContinueToken,
} from './support.js';

afterEach(closeApps);

const HS256 = { alg: 'HS256', typ: 'JWT' };

/** Submits `token` as T1 and asserts the refusal, and that nothing was written. */
async function expectTokenRefused(token: string, status: number, error: string): Promise<void> {
  const { app, writer } = buildTestApp();
  const response = await postJson(app, '/submit', await submitBody({ token }));
  expectRefusal(response, status, error);
  expect(response.json()).not.toHaveProperty('continue_url');
  expect(writer.writes).toEqual([]);
}

describe('session token (T1) forgeries', () => {
  it('accepts a T1 forged by hand with the right secret (the forging helper itself is sound)', async () => {
    const { app, writer } = buildTestApp();
    const response = await postJson(app, '/submit', await submitBody({ token: forgeToken(HS256, sessionClaims()) }));
    expect(response.statusCode).toBe(200);
    expect(writer.writes).toHaveLength(1);
  });

  it('refuses a session token signed with another secret', async () => {
    await expectTokenRefused(forgeToken(HS256, sessionClaims(), { secret: 'another-secret-0123456789-abcdefghijklm' }), 401, 'invalid_session');
  });

  it('refuses alg none, with or without a signature', async () => {
    await expectTokenRefused(forgeToken({ alg: 'none', typ: 'JWT' }, sessionClaims(), { signature: '' }), 401, 'invalid_session');
    await expectTokenRefused(forgeToken({ alg: 'none', typ: 'JWT' }, sessionClaims()), 401, 'invalid_session');
    await expectTokenRefused(forgeToken({ alg: 'None' }, sessionClaims(), { signature: '' }), 401, 'invalid_session');
  });

  it.each([
    ['HS384', 'sha384'],
    ['HS512', 'sha512'],
  ] as const)('refuses %s even when signed with the right secret', async (alg, hash) => {
    await expectTokenRefused(forgeToken({ alg, typ: 'JWT' }, sessionClaims(), { hash }), 401, 'invalid_session');
  });

  it('refuses RS256 whose signature is an HMAC over the secret used as a public key (algorithm confusion)', async () => {
    await expectTokenRefused(forgeToken({ alg: 'RS256', typ: 'JWT' }, sessionClaims()), 401, 'invalid_session');
    // The classic form: the "public key" PEM text as the HMAC key.
    const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(SESSION_SECRET).toString('base64')}\n-----END PUBLIC KEY-----\n`;
    await expectTokenRefused(forgeToken({ alg: 'RS256', typ: 'JWT' }, sessionClaims(), { secret: pem }), 401, 'invalid_session');
  });

  it.each(['exp', 'sub', 'iat', 'iss'])('refuses a T1 without %s', async (claim) => {
    const claims = sessionClaims();
    delete claims[claim];
    await expectTokenRefused(forgeToken(HS256, claims), 401, 'invalid_session');
  });

  it.each([
    ['an attacker host', 'evil.example'],
    ['the tenant with a scheme', 'https://acme.eu.auth0.com/'],
    ['the tenant as a suffix', 'acme.eu.auth0.com.evil.example'],
    ['the tenant with another port', 'acme.eu.auth0.com:8443'],
    ['the tenant in upper case', 'ACME.EU.AUTH0.COM'],
    ['an array holding the tenant', ['acme.eu.auth0.com']],
    ['the continue token issuer', CONTINUE_TOKEN_ISSUER],
  ])('refuses an iss naming %s: no continue_url can point there', async (_name, iss) => {
    await expectTokenRefused(forgeToken(HS256, sessionClaims({ iss })), 401, 'invalid_session');
  });

  it('refuses an expired T1 as session_expired', async () => {
    const claims = sessionClaims({ iat: NOW_SECONDS - 1000, exp: NOW_SECONDS - 6 });
    await expectTokenRefused(forgeToken(HS256, claims), 401, 'session_expired');
  });

  it('refuses a lifetime over MAX_SESSION_TTL even while it is still valid', async () => {
    await expectTokenRefused(forgeToken(HS256, sessionClaims({ exp: NOW_SECONDS + 3601 })), 401, 'invalid_session');
  });

  it('refuses a T1 whose nbf is in the future', async () => {
    await expectTokenRefused(forgeToken(HS256, sessionClaims({ nbf: NOW_SECONDS + 60 })), 401, 'invalid_session');
  });

  it('refuses a T1 issued in the future', async () => {
    await expectTokenRefused(forgeToken(HS256, sessionClaims({ iat: NOW_SECONDS + 60, exp: NOW_SECONDS + 600 })), 401, 'invalid_session');
  });

  it('refuses claims of the wrong type', async () => {
    for (const overrides of [{ exp: String(NOW_SECONDS + 900) }, { iat: null }, { sub: 42 }, { sub: '' }, { jti: 7 }, { fields: 'company_name' }]) {
      await expectTokenRefused(forgeToken(HS256, sessionClaims(overrides)), 401, 'invalid_session');
    }
  });

  it('refuses a tampered payload that keeps the original signature', async () => {
    const token = await mintSessionToken({ sub: 'auth0|victim' });
    const [header, , signature] = token.split('.');
    const tampered = Buffer.from(JSON.stringify(sessionClaims({ sub: 'auth0|attacker' }))).toString('base64url');
    await expectTokenRefused(`${header}.${tampered}.${signature}`, 401, 'invalid_session');
    // Changing one field but keeping the rest byte for byte fails the same way.
    const original = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    const onlyFields = Buffer.from(JSON.stringify({ ...original, fields: [] })).toString('base64url');
    await expectTokenRefused(`${header}.${onlyFields}.${signature}`, 401, 'invalid_session');
  });

  it('refuses an oversized token as a malformed request before verifying anything', async () => {
    const token = forgeToken(HS256, sessionClaims({ padding: 'x'.repeat(9000) }));
    await expectTokenRefused(token, 400, 'invalid_request');
  });

  it('refuses a crit header naming an extension it does not understand', async () => {
    await expectTokenRefused(forgeToken({ ...HS256, crit: ['exp'] }, sessionClaims()), 401, 'invalid_session');
    await expectTokenRefused(forgeToken({ ...HS256, crit: ['https://evil.example/ext'], 'https://evil.example/ext': true }, sessionClaims()), 401, 'invalid_session');
  });

  it('refuses a T2 presented as a T1, whether the server has one secret or two', async () => {
    for (const continueTokenSecret of [CONTINUE_SECRET, SESSION_SECRET]) {
      const { app, writer } = buildTestApp({ continueTokenSecret });
      const first = await postJson(app, '/submit', await submitBody());
      expect(first.statusCode).toBe(200);
      const t2 = first.json().session_token as string;
      expect((await verifyContinueToken(t2, continueTokenSecret)).iss).toBe(CONTINUE_TOKEN_ISSUER);
      const replay = await postJson(app, '/submit', await submitBody({ token: t2 }));
      expectRefusal(replay, 401, 'invalid_session');
      expect(writer.writes).toHaveLength(1);
    }
  });

  it('refuses a T1 reused after a successful submit, writing once', async () => {
    const { app, writer } = buildTestApp();
    const body = await submitBody();
    expect((await postJson(app, '/submit', body)).statusCode).toBe(200);
    expectRefusal(await postJson(app, '/submit', { ...body, values: { company_name: 'Other', job_title: 'Other' } }), 409, 'session_used');
    expectRefusal(await postJson(app, '/skip', { state: body.state, session_token: body.session_token }), 409, 'session_used');
    expect(writer.writes).toHaveLength(1);
  });
});

describe('headers that point elsewhere (kid, jku, x5u, jwk)', () => {
  let keyServer: Server;
  let keyServerUrl: string;
  let keyRequests = 0;

  beforeAll(async () => {
    keyServer = createServer((_request, response) => {
      keyRequests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
    keyServerUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => keyServer.close(() => resolve())));

  const pointingHeaders = () => ({
    ...HS256,
    kid: '../../../../dev/null',
    jku: `${keyServerUrl}/jwks.json`,
    x5u: `${keyServerUrl}/cert.pem`,
    jwk: { kty: 'oct', k: Buffer.from('attacker-key').toString('base64url') },
  });

  it('ignores them on a token signed with the right secret: verified with the configured secret, never fetched', async () => {
    const { app, writer } = buildTestApp();
    const response = await postJson(app, '/submit', await submitBody({ token: forgeToken(pointingHeaders(), sessionClaims()) }));
    expect(response.statusCode).toBe(200);
    expect(writer.writes).toHaveLength(1);
    expect(keyRequests).toBe(0);
  });

  it('refuses a token signed with the key the headers offer, without following them', async () => {
    await expectTokenRefused(forgeToken(pointingHeaders(), sessionClaims(), { secret: 'attacker-key' }), 401, 'invalid_session');
    expect(keyRequests).toBe(0);
  });
});

describe('continue_url never names a host from the token beyond the configured ones', () => {
  it('maps each configured iss to its own origin', async () => {
    const { app } = buildTestApp();
    for (const host of [TENANT, CUSTOM_DOMAIN]) {
      const response = await postJson(app, '/submit', await submitBody({ token: forgeToken(HS256, sessionClaims({ iss: host.host })) }));
      expect(new URL(response.json().continue_url).origin).toBe(host.origin);
    }
  });
});

describe('a T1 presented as a T2 to the Action (emulated tenant)', () => {
  let stack: DemoStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  // One secret for both directions is the risky configuration: only the Action's iss check stands.
  it.each([
    ['two secrets', {}],
    ['one secret for both directions', { SESSION_TOKEN_SECRET: SESSION_SECRET, CONTINUE_TOKEN_SECRET: SESSION_SECRET }],
  ])('denies the login with %s and writes nothing', async (_name, secrets) => {
    stack = await startDemoStack({ actionSecrets: secrets, serverEnv: secrets });
    const form = await logInAtTenant(stack, 'grace@example.com');
    const before = structuredClone(stack.emulator.users.get('auth0|grace'));
    const state = form.searchParams.get('state') as string;
    const t1 = form.searchParams.get('session_token') as string;
    const callback = await postToContinue(`${stack.tenantOrigin}/continue?state=${encodeURIComponent(state)}`, t1);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${stack.siteOrigin}/callback`);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.has('code')).toBe(false);
    expect(stack.emulator.users.get('auth0|grace')).toEqual(before);
  });
});
