import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.js';
import { RequestError } from '../../../server/http/errors.js';
import { closeApps, post, submitBody, track } from '../support/app.js';
import { CONTINUE_SECRET, RecordingWriter, SESSION_SECRET, frozenClock, mintSessionToken, testConfig } from '../support/fixtures.js';
import { listenOnLoopback, sendRaw } from '../support/raw-http.js';

afterEach(closeApps);

/** A stream that keeps every log line. */
function captureLines(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

/** A line as written, and any JSON array of byte values in it as the text those bytes spell. */
function readableForms(line: string): string[] {
  const byteArrays = line.match(/\[\d{1,3}(?:,\d{1,3})+\]/gu) ?? [];
  return [line, ...byteArrays.map((array) => Buffer.from(JSON.parse(array) as number[]).toString('latin1'))];
}

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
