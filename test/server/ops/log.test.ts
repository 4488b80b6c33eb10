import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.js';
import { RequestError } from '../../../server/http/errors.js';
import { closeApps, post, submitBody, track } from '../support/app.js';
import { CONTINUE_SECRET, RecordingWriter, frozenClock, mintSessionToken, testConfig } from '../support/fixtures.js';

afterEach(closeApps);

describe('logging', () => {
  it('never logs a query string, a token, a submitted value or an upstream message', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
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
});
