// The Management API access every upstream part shares, against the emulated tenant through the
// real `auth0` SDK: its M2M token renewed when the tenant stops accepting it, and the scopes the
// tenant granted, read from the token answer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RequestError } from '../../../server/http/errors.js';
import type { UpstreamBudget } from '../../../server/upstream/budget.js';
import { createManagementApi } from '../../../server/upstream/management-api.js';
import { createManagementWriter } from '../../../server/upstream/management-writer.js';
import { ALL_SCOPES, CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../../support/management-emulator.js';
import { createVirtualTime, type VirtualTime } from '../../support/virtual-time.js';

let emulator: RunningEmulator | undefined;
let time: VirtualTime;

beforeEach(() => {
  time = createVirtualTime();
});
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function setUp(options: { scope?: string; requiredScopes?: string[] } = {}) {
  emulator = await startManagementEmulator({ users: [makeUser('auth0|alice')], clock: time.clock, scope: options.scope });
  const warnings: Array<{ obj: object; msg: string }> = [];
  const api = createManagementApi({
    tenant: emulator.tenant,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    clock: time.clock,
    sleep: time.sleep,
    fetch: time.fetch,
    logger: { warn: (obj, msg) => warnings.push({ obj, msg }) },
    requiredScopes: options.requiredScopes,
  });
  return { emulator, api, writer: createManagementWriter(api), warnings };
}

function budget(ms: number): UpstreamBudget {
  return { signal: new AbortController().signal, deadline: time.clock.now() + ms };
}

const write = (index: number) => ({ user_metadata: { [`key_${index}`]: index } });

describe('a token the tenant stops accepting', () => {
  it('is dropped on the 401, and the call succeeds with exactly one new token, inside its budget', async () => {
    const { emulator, writer, warnings } = await setUp();
    await writer.writeProfile('auth0|alice', write(1), budget(5_000));
    await emulator.revokeTokens();
    const startedAt = time.clock.now();
    await writer.writeProfile('auth0|alice', write(2), budget(5_000));
    expect(time.clock.now() - startedAt).toBeLessThan(5_000);
    expect(await emulator.stats()).toMatchObject({ tokenRequests: 2, apiRequests: 3, patches: 2 });
    expect(emulator.users.get('auth0|alice')?.user_metadata).toEqual({ key_1: 1, key_2: 2 });
    expect(warnings.map((warning) => warning.obj)).toEqual([{ operation: 'update_user', status: 401, failure: 'token_rejected', attempt: 1 }]);
  });

  it('is replaced once for every call that met it at the same time', async () => {
    const { emulator, writer } = await setUp();
    await writer.writeProfile('auth0|alice', write(0), budget(5_000));
    await emulator.revokeTokens();
    await Promise.all(Array.from({ length: 10 }, (_, index) => writer.writeProfile('auth0|alice', write(index + 1), budget(5_000))));
    expect(await emulator.stats()).toMatchObject({ tokenRequests: 2, patches: 11 });
  });

  it('answers upstream_error when the new token is refused too, after one renewal only', async () => {
    const { emulator, writer } = await setUp();
    await emulator.queueFaults('api', [{ status: 401 }, { status: 401 }, { status: 401 }]);
    const error = await writer.writeProfile('auth0|alice', write(1), budget(5_000)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'upstream_error', statusCode: 502 });
    expect(await emulator.stats()).toMatchObject({ tokenRequests: 2, apiRequests: 2, patches: 0 });
  });

  it('is renewed once on a 403 about its scope (a grant changed since it was issued), not on another 403', async () => {
    const { emulator, writer } = await setUp();
    const scopeRefusal = { status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope', errorCode: 'insufficient_scope' } };
    await emulator.queueFaults('api', [scopeRefusal]);
    await writer.writeProfile('auth0|alice', write(1), budget(5_000));
    expect(await emulator.stats()).toMatchObject({ tokenRequests: 2, patches: 1 });
    await emulator.queueFaults('api', [{ status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'Blocked', errorCode: 'operation_not_allowed' } }]);
    const error = await writer.writeProfile('auth0|alice', write(2), budget(5_000)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'upstream_error' });
    expect(await emulator.stats()).toMatchObject({ tokenRequests: 2, patches: 1 });
  });

  it('is kept while the tenant accepts it: one token for many calls', async () => {
    const { emulator, writer } = await setUp();
    for (let index = 0; index < 5; index += 1) await writer.writeProfile('auth0|alice', write(index), budget(5_000));
    expect((await emulator.stats()).tokenRequests).toBe(1);
  });
});

describe('readGrantedScopes', () => {
  it('answers the scopes the tenant granted with the token', async () => {
    const { api, emulator } = await setUp({ scope: ALL_SCOPES });
    expect([...(await api.readGrantedScopes(budget(5_000)))].sort()).toEqual(ALL_SCOPES.split(' ').sort());
    expect(api.missingScopes()).toEqual([]);
    expect((await emulator.stats()).tokenRequests).toBe(1);
  });

  it('names the required scopes a granted token lacks, in the log and to the caller, without any secret', async () => {
    const { api, warnings } = await setUp({ requiredScopes: ['read:users', 'update:users', 'create:users', 'delete:users'] });
    expect(api.missingScopes()).toBeUndefined();
    await api.readGrantedScopes(budget(5_000));
    expect(api.missingScopes()).toEqual(['create:users', 'delete:users']);
    expect(warnings).toEqual([{ obj: { missingScopes: ['create:users', 'delete:users'] }, msg: 'the Management API token lacks scopes this configuration needs' }]);
    expect(JSON.stringify(warnings)).not.toContain(CLIENT_SECRET);
  });
});
