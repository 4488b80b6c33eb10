import { setImmediate } from 'node:timers/promises';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.js';
import { progressiveProfile } from '../../../server/plugin.js';
import type { ProfileWriter } from '../../../server/upstream/profile-writer.js';
import { closeApps, post, submitBody, track } from '../support/app.js';
import { RecordingWriter, frozenClock, testConfig } from '../support/fixtures.js';
import { listenOnLoopback, openRaw } from '../support/raw-http.js';

afterEach(closeApps);

describe('the plugin mounted under a prefix in a host app', () => {
  async function mount() {
    const host = track(Fastify());
    await host.register(progressiveProfile, {
      prefix: '/profile',
      config: testConfig({ rateLimit: 3 }),
      deps: { clock: frozenClock(), profileWriter: new RecordingWriter() },
    });
    return host;
  }

  it('answers every refusal on its own routes in the JSON error shape with the security headers', async () => {
    const host = await mount();
    const answers = [
      await host.inject(`/profile/${'a'.repeat(9 * 1024)}`),
      await host.inject('/profile/nothing'),
      await post(host, '/profile/submit', 'state=s', { 'content-type': 'application/x-www-form-urlencoded' }),
      await post(host, '/profile/submit', { state: 's', session_token: 'x', values: { company_name: 'a'.repeat(17 * 1024) } }),
      await post(host, '/profile/skip', { state: 5 }),
      await post(host, '/profile/skip', { state: 's', session_token: 'x' }),
    ];
    expect(answers.map((answer) => [answer.statusCode, answer.json().error])).toEqual([
      [414, 'invalid_request'],
      [404, 'not_found'],
      [415, 'invalid_request'],
      [413, 'invalid_request'],
      [400, 'invalid_request'],
      [429, 'rate_limited'],
    ]);
    for (const answer of answers) {
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(typeof answer.json().message).toBe('string');
    }
  });
});

describe('shutdown', () => {
  it('refuses a request that arrives on an open connection while the app closes, in its own shape', async () => {
    let writeStarted!: () => void;
    const started = new Promise<void>((resolve) => (writeStarted = resolve));
    // A write that hangs until the budget aborts it, so a connection stays open while the app closes.
    const hangingWriter: ProfileWriter = {
      writeProfile: (_userId, _patch, { signal }) => {
        writeStarted();
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      },
      isValueTaken: async () => false,
    };
    const app = track(buildApp(testConfig({ managementApiTimeout: 0.2 }), { clock: frozenClock(), profileWriter: hangingWriter }));
    const port = await listenOnLoopback(app);
    const connection = openRaw(port);
    const body = JSON.stringify(await submitBody());
    connection.write(`POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await started;
    const closed = app.close();
    await setImmediate();
    connection.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const [submit, health] = await connection.responses;
    await closed;
    expect(submit.statusCode).toBe(504);
    expect({ statusCode: health.statusCode, error: health.json().error }).toEqual({ statusCode: 503, error: 'upstream_unavailable' });
    expect(health.headers['retry-after']).toBe('1');
    expect(health.headers['referrer-policy']).toBe('no-referrer');
    expect(health.headers['x-content-type-options']).toBe('nosniff');
  });
});
