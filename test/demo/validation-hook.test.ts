import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startValidationHookReceiver, type RunningReceiver } from '../../demo/validation-hook.js';
import { RequestError } from '../../server/http/errors.js';
import { createValidationHook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../server/upstream/validation-hook.js';

const SECRET = 'demo-hook-secret-0123456789-abcdefghijk';
const NOW_MS = 1_795_435_200_000;
const CONTEXT = { sub: 'auth0|user-1', fields: ['company_name'] };
const log = { warn: () => {} };
let receiver: RunningReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function start(now = () => NOW_MS): Promise<RunningReceiver> {
  receiver = await startValidationHookReceiver({ secret: SECRET, now });
  return receiver;
}

/** A call signed by hand: `timestamp` in seconds, `secret` the key. */
function post(url: string, body: string, { timestamp = NOW_MS / 1000, secret = SECRET } = {}) {
  const signature = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signature },
    body,
  });
}

const BODY = JSON.stringify({ sub: 'auth0|user-1', fields: ['company_name'], values: { company_name: 'Initech' } });

describe('the demo validation hook receiver', () => {
  it('verifies what the server signs: accepts a company, refuses one on its block list, whatever its case and spacing', async () => {
    const { url, calls } = await start();
    const hook = createValidationHook({ url, secret: SECRET, timeoutSeconds: 3, clock: { now: () => NOW_MS } });
    await expect(hook.check({ company_name: 'Initech' }, CONTEXT, log)).resolves.toBeUndefined();
    const refused = await hook.check({ company_name: '  example   INC ' }, CONTEXT, log).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RequestError);
    expect((refused as RequestError).messages).toEqual({ company_name: 'Please enter the company you work for.' });
    expect(calls).toEqual([
      { sub: 'auth0|user-1', fields: ['company_name'], values: { company_name: 'Initech' } },
      { sub: 'auth0|user-1', fields: ['company_name'], values: { company_name: '  example   INC ' } },
    ]);
  });

  it('answers 401 to a signature made with another secret', async () => {
    const { url, calls } = await start();
    const response = await post(url, BODY, { secret: 'another-secret-0123456789-abcdefghijklmn' });
    expect(response.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('answers 401 to a body changed after signing', async () => {
    const { url } = await start();
    const signature = `v1=${createHmac('sha256', SECRET).update(`${NOW_MS / 1000}.${BODY}`).digest('hex')}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { [TIMESTAMP_HEADER]: String(NOW_MS / 1000), [SIGNATURE_HEADER]: signature },
      body: BODY.replace('Initech', 'Acme'),
    });
    expect(response.status).toBe(401);
  });

  it('answers 401 to a missing or malformed signature', async () => {
    const { url } = await start();
    expect((await fetch(url, { method: 'POST', headers: { [TIMESTAMP_HEADER]: String(NOW_MS / 1000) }, body: BODY })).status).toBe(401);
    const malformed = await fetch(url, { method: 'POST', headers: { [TIMESTAMP_HEADER]: String(NOW_MS / 1000), [SIGNATURE_HEADER]: 'v1=00' }, body: BODY });
    expect(malformed.status).toBe(401);
  });

  it('answers 401 to a timestamp more than five minutes old or ahead, correctly signed', async () => {
    const { url, calls } = await start();
    expect((await post(url, BODY, { timestamp: NOW_MS / 1000 - 301 })).status).toBe(401);
    expect((await post(url, BODY, { timestamp: NOW_MS / 1000 + 301 })).status).toBe(401);
    expect((await post(url, BODY, { timestamp: NOW_MS / 1000 - 299 })).status).toBe(200);
    expect(calls).toHaveLength(1);
  });
});
