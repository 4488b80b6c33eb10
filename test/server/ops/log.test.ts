import Fastify from 'fastify';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startValidationHookReceiver } from '../../../demo/validation-hook.js';
import { buildApp } from '../../../server/app.js';
import { loadConfig } from '../../../server/config.js';
import { RequestError } from '../../../server/http/errors.js';
import { isInfoLogged } from '../../../server/ops/answer-log.js';
import { progressiveProfile } from '../../../server/plugin.js';
import { linkingForm, startLinkingTenant, STRONG_PASSWORD } from '../../support/linking.js';
import { CLIENT_SECRET } from '../../support/management-emulator.js';
import { startProfileServer } from '../../support/profile-server.js';
import { createVirtualTime } from '../../support/virtual-time.js';
import { SECRETS } from '../../rule/support.js';
import { locationOf, logIn, startTenant } from '../../demo/support.js';
import { closeApps, post, submitBody, track } from '../support/app.js';
import { CONTINUE_SECRET, RecordingWriter, SESSION_SECRET, frozenClock, mintSessionToken, testConfig } from '../support/fixtures.js';
import { listenOnLoopback, sendRaw } from '../support/raw-http.js';
import { captureLines } from '../../support/log-lines.js';

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  await closeApps();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

/** A line as written, and any JSON array of byte values in it as the text those bytes spell. */
function readableForms(line: string): string[] {
  const byteArrays = line.match(/\[\d{1,3}(?:,\d{1,3})+\]/gu) ?? [];
  return [line, ...byteArrays.map((array) => Buffer.from(JSON.parse(array) as number[]).toString('latin1'))];
}

/** The lines written as JSON objects. */
function parseLines(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines.flatMap((chunk) => chunk.split('\n').filter((line) => line !== '')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the answer line of /submit and /skip', () => {
  it('logs one line per answer with the request id, outcome, status, duration and, once T1 was verified, its sub and jti', async () => {
    const { lines, stream } = captureLines();
    const app = track(buildApp(testConfig(), { clock: frozenClock(), profileWriter: new RecordingWriter() }, { logger: { level: 'info', stream } }));
    const token = await mintSessionToken({ sub: 'auth0|grace' });
    const { jti } = decodeJwt(token);
    expect((await post(app, '/submit', { state: 's', session_token: token, values: { company_name: 'Initech', job_title: 'CTO' } })).statusCode).toBe(200);
    expect((await post(app, '/submit', { state: 's', session_token: token, values: { company_name: 'Initech', job_title: 'CTO' } })).statusCode).toBe(409);
    expect((await post(app, '/submit', { state: 's', session_token: `${token}x`, values: {} })).statusCode).toBe(401);
    const withoutJti = await mintSessionToken({ sub: 'auth0|ada' }, { omit: ['jti'] });
    expect((await post(app, '/skip', { state: 's', session_token: withoutJti })).statusCode).toBe(200);
    expect((await app.inject('/form')).statusCode).toBe(200);

    const logged = parseLines(lines);
    const answers = logged.filter((line) => String(line.msg).endsWith(' answered'));
    for (const line of answers) {
      expect(Object.keys(line).filter((key) => !['sub', 'jti'].includes(key))).toEqual([
        'level', 'time', 'pid', 'hostname', 'reqId', 'route', 'outcome', 'status', 'duration_ms', 'msg',
      ]);
      expect(line.level).toBe(30);
      expect(typeof line.duration_ms).toBe('number');
    }
    expect(answers.map(({ reqId, route, outcome, status, sub, jti: loggedJti, msg }) => ({ reqId, route, outcome, status, sub, jti: loggedJti, msg }))).toEqual([
      { reqId: 'req-1', route: '/submit', outcome: 'ok', status: 200, sub: 'auth0|grace', jti, msg: 'submit answered' },
      { reqId: 'req-2', route: '/submit', outcome: 'session_used', status: 409, sub: 'auth0|grace', jti, msg: 'submit answered' },
      { reqId: 'req-3', route: '/submit', outcome: 'invalid_session', status: 401, sub: undefined, jti: undefined, msg: 'submit answered' },
      { reqId: 'req-4', route: '/skip', outcome: 'ok', status: 200, sub: 'auth0|ada', jti: undefined, msg: 'skip answered' },
    ]);
    expect(Object.keys(answers[2])).not.toContain('sub');
    // Fastify's own two lines only for the routes that write none of their own.
    const fastifyLines = logged.filter((line) => line.msg === 'incoming request' || line.msg === 'request completed');
    expect(fastifyLines.map((line) => line.reqId)).toEqual(['req-5', 'req-5']);
  });

  it('carries the jti the Action logged when it sent the same login to the form', async () => {
    const actionLines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void actionLines.push(parts.map(String).join(' ')));
    const tenant = await startTenant();
    cleanups.push(() => tenant.close());
    const { lines, stream } = captureLines();
    const config = loadConfig(
      { AUTH0_DOMAIN: tenant.origin, SESSION_TOKEN_SECRET: SECRETS.SESSION_TOKEN_SECRET, CONTINUE_TOKEN_SECRET: SECRETS.CONTINUE_TOKEN_SECRET },
      { cwd: import.meta.dirname },
    );
    const app = track(buildApp(config, {}, { logger: { level: 'info', stream } }));

    const form = locationOf(await logIn(tenant, 'grace@example.com'));
    const answer = await post(app, '/submit', {
      state: form.searchParams.get('state'),
      session_token: form.searchParams.get('session_token'),
      values: { company_name: 'Navy', job_title: 'Rear Admiral' },
    });
    expect(answer.statusCode).toBe(200);

    const redirect = actionLines.map((line) => /^progressive-profile: redirect jti=(\S+)/u.exec(line)?.[1]).filter(Boolean);
    expect(redirect).toHaveLength(1);
    const submitLine = parseLines(lines).find((line) => line.msg === 'submit answered');
    expect(submitLine).toMatchObject({ outcome: 'ok', sub: 'auth0|grace', jti: redirect[0] });
  });
});

describe('whether the answer line is written (its hooks run only then, or when metrics count)', () => {
  it('is written at info level and below, not above it nor with the logger off', () => {
    const levels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'].map((level) => isInfoLogged(Fastify({ logger: { level } }).log));
    expect(levels).toEqual([true, true, true, false, false, false]);
    expect(isInfoLogged(Fastify({ logger: false }).log)).toBe(false);
  });

  it("follows the level the plugin is registered with over the app's", async () => {
    const { lines, stream } = captureLines();
    const host = track(Fastify({ logger: { level: 'warn', stream } }));
    await host.register(progressiveProfile, {
      prefix: '/profile',
      logLevel: 'info',
      config: testConfig(),
      deps: { clock: frozenClock(), profileWriter: new RecordingWriter() },
    });
    expect((await post(host, '/profile/submit', await submitBody())).statusCode).toBe(200);
    expect(parseLines(lines).filter((line) => line.msg === 'submit answered')).toMatchObject([{ outcome: 'ok', route: '/profile/submit' }]);
    expect(isInfoLogged(host.log, 'warn')).toBe(false);
  });

  it('is not written above info, and the answers stay the same', async () => {
    const { lines, stream } = captureLines();
    const app = track(buildApp(testConfig(), { clock: frozenClock(), profileWriter: new RecordingWriter() }, { logger: { level: 'warn', stream } }));
    const body = await submitBody();
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expect((await post(app, '/submit', body)).json().error).toBe('session_used');
    expect(lines).toEqual([]);
  });
});

describe('logging', () => {
  it('never logs a query string, a token, a submitted value or an upstream message', async () => {
    const { lines, stream } = captureLines();
    const clock = frozenClock();
    const writer = new RecordingWriter();
    const app = buildApp(testConfig(), { clock, profileWriter: writer }, { logger: { level: 'debug', stream } });
    track(app);
    const token = await mintSessionToken();
    await app.inject(`/?state=secret-state&session_token=${token}`);
    await post(app, '/submit', { state: 'secret-state', session_token: token, values: { company_name: 'SecretCorp', job_title: ' ' } });
    writer.failure = new RequestError('upstream_error', 'Upstream trouble.', { cause: new Error('body: SecretCorp') });
    await post(app, '/submit', await submitBody({ company_name: 'SecretCorp', job_title: 'CTO' }));
    writer.failure = new Error('SecretCorp exploded');
    await post(app, '/submit', await submitBody({ company_name: 'SecretCorp', job_title: 'CTO' }));
    const log = lines.join('');
    expect(log).toContain('"url":"/"');
    expect(log).toContain('"code":"invalid_fields"');
    expect(log).toContain('unexpected error');
    for (const secret of ['secret-state', 'session_token=', token.split('.')[1], 'SecretCorp', CONTINUE_SECRET]) {
      expect(log).not.toContain(secret);
    }
  });

  it('holds no raw packet, query string, token, cookie, secret or submitted value in any line at trace level', async () => {
    const { lines, stream } = captureLines();
    const writer = new RecordingWriter();
    const app = track(buildApp(testConfig(), { clock: frozenClock(), profileWriter: writer }, { logger: { level: 'trace', stream } }));
    const port = await listenOnLoopback(app);
    const origin = `http://127.0.0.1:${port}`;
    const token = await mintSessionToken();
    const cookie = 'sid=CookieSecret42';
    const secrets = ['rawPacket', 'session_token=', 'secret-state', token, token.split('.')[1], token.split('.')[2], 'CookieSecret42', 'SecretCorp', SESSION_SECRET, CONTINUE_SECRET];

    expect((await fetch(`${origin}/?state=secret-state&session_token=${token}`, { headers: { cookie } })).status).toBe(200);
    for (const request of [
      `GET /?session_token=${token} HTTP/1.1 GARBAGE\r\nCookie: ${cookie}\r\n\r\n`,
      `GET /?session_token=${token} HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
      `GET /%zz?session_token=${token} HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`,
      `GET /form?state=secret-state&session_token=${token}&pad=${'p'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ]) {
      expect((await sendRaw(port, request)).statusCode).toBeGreaterThanOrEqual(400);
    }
    const submit = (values: Record<string, unknown>) =>
      fetch(`${origin}/submit?session_token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ state: 'secret-state', session_token: token, values }),
      });
    expect((await submit({ company_name: 'SecretCorp', job_title: ' ' })).status).toBe(422);
    writer.failure = new RequestError('upstream_error', 'Upstream trouble.', { cause: new Error('body: SecretCorp') });
    expect((await submit({ company_name: 'SecretCorp', job_title: 'CTO' })).status).toBe(502);
    writer.failure = undefined;
    expect((await submit({ company_name: 'SecretCorp', job_title: 'CTO' })).status).toBe(200);
    await app.close();

    expect(lines.some((line) => line.includes('"level":10'))).toBe(true);
    expect(lines.some((line) => line.includes('client error'))).toBe(true);
    for (const line of lines) {
      for (const text of readableForms(line)) {
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
    }
  });
});

describe('logging, as production wires it', () => {
  it('holds no token, secret, password or submitted value at trace level through the Management API, account linking and the validation hook', async () => {
    const time = createVirtualTime();
    const tenant = await startLinkingTenant({ time });
    cleanups.push(() => tenant.close());
    const hookSecret = 'log-test-hook-secret-0123456789-abcdefg';
    const receiver = await startValidationHookReceiver({ secret: hookSecret, now: time.clock.now });
    cleanups.push(() => receiver.close());
    const accessTokens: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await time.fetch(input, init);
      if (String(input instanceof Request ? input.url : input).endsWith('/oauth/token') && response.ok) {
        accessTokens.push(((await response.clone().json()) as { access_token: string }).access_token);
      }
      return response;
    };
    const { lines, stream } = captureLines();
    const server = await startProfileServer({
      emulator: tenant,
      time,
      config: { form: linkingForm(), validationHook: { url: receiver.url, secret: hookSecret } },
      deps: { fetch: recordingFetch },
      logger: { logger: { level: 'trace', stream } },
    });
    cleanups.push(() => server.close());
    const sessionTokens: string[] = [];
    const submitAs = async (sub: string, values: Record<string, unknown>) => {
      const token = await mintSessionToken({ sub, iss: tenant.tenant.host }, { iat: Math.floor(time.clock.now() / 1000) });
      sessionTokens.push(token);
      return server.post('/submit', { state: 'secret-state', session_token: token, values });
    };

    const weak = await submitAs('github|1001', { username: 'kjohnson_weak', password: 'weakpw' });
    expect(weak.body.fields).toEqual({ password: 'password_policy' });
    const unverified = await submitAs('github|1002', { username: 'dvaughan', password: STRONG_PASSWORD });
    expect(unverified.body.error).toBe('email_unverified');
    const linked = await submitAs('github|1001', { username: 'kjohnson', job_title: 'Mathematician', password: STRONG_PASSWORD });
    expect(linked.statusCode).toBe(200);
    await server.close();

    expect(server.app.log.level).toBe('trace');
    expect(accessTokens.length).toBeGreaterThan(0);
    expect(receiver.calls.length).toBeGreaterThan(0);
    const logged = parseLines(lines);
    expect(logged.filter((line) => line.msg === 'submit answered').map((line) => line.outcome)).toEqual(['invalid_fields', 'email_unverified', 'ok']);
    const secrets = [
      'secret-state',
      'weakpw',
      STRONG_PASSWORD,
      'kjohnson',
      'dvaughan',
      'Mathematician',
      CLIENT_SECRET,
      hookSecret,
      server.config.sessionTokenSecret,
      server.config.continueTokenSecret,
      linked.body.session_token,
      ...accessTokens,
      ...sessionTokens,
      ...[...accessTokens, ...sessionTokens, linked.body.session_token].flatMap((token: string) => token.split('.').slice(1)),
    ];
    for (const line of lines) {
      for (const text of readableForms(line)) {
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
    }
  });
});
