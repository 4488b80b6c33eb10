// POST /submit with the site owner's veto: VALIDATION_HOOK_URL over real sockets (the demo's
// receiver, which checks the signature), and the plugin's in-process `validate` option.
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { startValidationHookReceiver, type RunningReceiver } from '../../../demo/validation-hook.js';
import { parseFormDefinition } from '../../../server/fields/form-definition.js';
import { progressiveProfile } from '../../../server/plugin.js';
import type { ValidateValues } from '../../../server/upstream/validation-hook.js';
import { closeApps, expectError, post, setup, submitBody, track } from '../support/app.js';
import { NOW_SECONDS, RecordingWriter, frozenClock, testConfig, type FrozenClock } from '../support/fixtures.js';

const HOOK_SECRET = 'route-hook-secret-0123456789-abcdefghij';
const PASSWORD = 'Correct-Horse-9';
const receivers: RunningReceiver[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await closeApps();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** The demo receiver on a free loopback port, its clock at the frozen test time. */
async function startReceiver(): Promise<RunningReceiver> {
  const receiver = await startValidationHookReceiver({ secret: HOOK_SECRET, now: () => NOW_SECONDS * 1000 });
  receivers.push(receiver);
  return receiver;
}

/** A hook of our own: `handle` answers each call; the raw bodies and headers are kept. */
async function startHook(handle: (request: IncomingMessage, body: string, response: ServerResponse) => unknown) {
  const calls: { body: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    calls.push({ body, headers: request.headers });
    await handle(request, body, response);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, calls };
}

function hookConfig(url: string) {
  return { validationHook: { url, secret: HOOK_SECRET } };
}

describe('POST /submit with VALIDATION_HOOK_URL', () => {
  it('refuses the values the hook refuses with 422 rejected and its message, writing nothing and leaving T1 usable', async () => {
    const receiver = await startReceiver();
    const { app, writer } = setup(hookConfig(receiver.url));
    const body = await submitBody({ company_name: ' ACME ', job_title: 'CTO' });
    const refused = await post(app, '/submit', body);
    expectError(refused, 422, 'invalid_fields');
    expect(refused.json()).toMatchObject({
      fields: { company_name: 'rejected' },
      messages: { company_name: 'Please enter the company you work for.' },
    });
    expect(writer.writes).toEqual([]);
    const corrected = await post(app, '/submit', { ...body, values: { company_name: 'Initech', job_title: 'CTO' } });
    expect(corrected.statusCode).toBe(200);
    expect(writer.writes[0].patch).toEqual({ user_metadata: { company_name: 'Initech', job_title: 'CTO' } });
  });

  it('sends the asked ids and the normalized values, signed so the receiver verifies them, never the password', async () => {
    const hook = await startHook((_request, _body, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const form = parseFormDefinition(
      {
        fields: [
          { id: 'username', label: 'Username', type: 'text', required: true, maxLength: 15 },
          { id: 'password', label: 'Password', type: 'password', required: true },
          { id: 'phone', label: 'Phone', type: 'tel', default_country: 'US' },
          { id: 'terms', label: 'Terms', type: 'consent', policy_url: 'https://example.com/t', version: '2' },
        ],
        link_database_identity: { connection: 'db' },
      },
      { hasManagementCredentials: true },
    );
    const { app } = setup({ form, ...hookConfig(hook.url) });
    const values = { username: ' Ada ', password: PASSWORD, phone: '415 555 0123', terms: true };
    expect((await post(app, '/submit', await submitBody(values))).statusCode).toBe(200);
    const [{ body, headers }] = hook.calls;
    expect(JSON.parse(body)).toEqual({
      sub: 'auth0|user-1',
      fields: ['username', 'password', 'phone', 'terms'],
      values: { username: 'ada', phone: '+14155550123', terms: true },
    });
    expect(body).not.toContain(PASSWORD);
    expect(headers['x-progressive-profile-timestamp']).toBe(String(NOW_SECONDS));
    const signature = createHmac('sha256', HOOK_SECRET).update(`${NOW_SECONDS}.${body}`).digest('hex');
    expect(headers['x-progressive-profile-signature']).toBe(`v1=${signature}`);
  });

  it('answers 503 when the hook fails, writing nothing, and accepts the same submit once it is back', async () => {
    let status = 500;
    const hook = await startHook((_request, _body, response) => response.writeHead(status, { 'content-type': 'application/json' }).end('{}'));
    const { app, writer } = setup(hookConfig(hook.url));
    const body = await submitBody();
    expectError(await post(app, '/submit', body), 503, 'upstream_unavailable');
    expect(writer.writes).toEqual([]);
    status = 200;
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expect(writer.writes).toHaveLength(1);
  });

  it('waits for the hook before writing or answering', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived!: () => void;
    const hasArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const hook = await startHook(async (_request, _body, response) => {
      arrived();
      await released;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const { app, writer } = setup(hookConfig(hook.url));
    let isAnswered = false;
    const answer = post(app, '/submit', await submitBody()).then((response) => {
      isAnswered = true;
      return response;
    });
    await hasArrived;
    // The hook holds its answer: /submit has neither written nor answered.
    await new Promise((resolve) => setImmediate(resolve));
    expect({ isAnswered, writes: writer.writes.length }).toEqual({ isAnswered: false, writes: 0 });
    release();
    expect((await answer).statusCode).toBe(200);
    expect(writer.writes).toHaveLength(1);
  });

  it('is not called when nothing was answered', async () => {
    const hook = await startHook((_request, _body, response) => response.writeHead(500).end());
    const { app } = setup(hookConfig(hook.url));
    expect((await post(app, '/submit', await submitBody({}, { fields: [] }))).statusCode).toBe(200);
    expect(hook.calls).toEqual([]);
  });
});

/** The plugin in a host app, with the in-process `validate` option. */
function mountWithValidate(validate: ValidateValues, clock: FrozenClock = frozenClock()) {
  const writer = new RecordingWriter();
  const host = track(Fastify());
  void host.register(progressiveProfile, { config: testConfig(), deps: { clock, profileWriter: writer }, validate });
  return { host, writer, clock };
}

describe('POST /submit with the plugin\'s validate option', () => {
  it('writes what validate accepts, and gives it the values, the user and the asked ids', async () => {
    const calls: unknown[] = [];
    const { host, writer } = mountWithValidate(async (values, { sub, fields }) => {
      calls.push({ values, sub, fields });
    });
    expect((await post(host, '/submit', await submitBody({ company_name: ' Initech ', job_title: 'CTO' }, { fields: ['company_name'] }))).statusCode).toBe(
      200,
    );
    expect(calls).toEqual([{ values: { company_name: 'Initech' }, sub: 'auth0|user-1', fields: ['company_name', 'nickname', 'plan', 'age', 'newsletter'] }]);
    expect(writer.writes).toHaveLength(1);
  });

  it('refuses what validate refuses, with its message', async () => {
    const { host, writer } = mountWithValidate(async (values) =>
      values.company_name === 'Acme' ? { errors: { company_name: 'Not Acme.' } } : {},
    );
    const response = await post(host, '/submit', await submitBody({ company_name: 'Acme', job_title: 'CTO' }));
    expectError(response, 422, 'invalid_fields');
    expect(response.json()).toMatchObject({ fields: { company_name: 'rejected' }, messages: { company_name: 'Not Acme.' } });
    expect(writer.writes).toEqual([]);
  });

  it('answers 503 when validate throws, writing nothing', async () => {
    const { host, writer } = mountWithValidate(async () => {
      throw new Error('lookup failed');
    });
    expectError(await post(host, '/submit', await submitBody()), 503, 'upstream_unavailable');
    expect(writer.writes).toEqual([]);
  });

  it('shares MANAGEMENT_API_TIMEOUT with validate: the write keeps the deadline counted from the arrival', async () => {
    const clock = frozenClock();
    const started = clock.now();
    const { host, writer } = mountWithValidate(async () => {
      clock.advance(8);
    }, clock);
    expect((await post(host, '/submit', await submitBody())).statusCode).toBe(200);
    // MANAGEMENT_API_TIMEOUT is 10 s from the arrival: validate took 8, the write has the last 2.
    expect(writer.writes[0].options.deadline).toBe(started + 10_000);
  });

  it('refuses to register with VALIDATION_HOOK_URL set too', async () => {
    const host = track(Fastify());
    void host.register(progressiveProfile, {
      config: testConfig(hookConfig('https://hooks.example.com/v')),
      deps: { clock: frozenClock(), profileWriter: new RecordingWriter() },
      validate: async () => ({}),
    });
    await expect(host.ready()).rejects.toThrow(/^validate: VALIDATION_HOOK_URL is set too/);
  });
});
