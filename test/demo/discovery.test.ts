// OpenID discovery of the emulated tenant, as `doctor` and OIDC clients read it.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../demo/emulator/emulator.js';
import { startTenant } from './support.js';

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('GET /.well-known/openid-configuration', () => {
  it('names the issuer with a trailing slash and endpoints the emulator answers', async () => {
    emulator = await startTenant();
    const response = await fetch(new URL('/.well-known/openid-configuration', emulator.origin));
    expect(response.status).toBe(200);
    const discovery = (await response.json()) as Record<string, any>;
    expect(discovery).toMatchObject({
      issuer: `${emulator.origin}/`,
      authorization_endpoint: `${emulator.origin}/authorize`,
      token_endpoint: `${emulator.origin}/oauth/token`,
      jwks_uri: `${emulator.origin}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      id_token_signing_alg_values_supported: ['HS256'],
    });
    for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
      const answer = await fetch(discovery[key], { method: key === 'token_endpoint' ? 'POST' : 'GET', redirect: 'manual' });
      expect(answer.status).not.toBe(404);
    }
    expect(await (await fetch(discovery.jwks_uri)).json()).toEqual({ keys: [] });
  });
});
