import Fastify from 'fastify';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { progressiveProfile } from '../../server/plugin.js';
import { closeApps, post, submitBody, track, WIDGET } from './support/app.js';
import { RecordingWriter, frozenClock, testConfig, testForm } from './support/fixtures.js';
import { linkingForm } from '../support/linking.js';

afterEach(closeApps);

describe('registration', () => {
  it('refuses to start with a unique field and no writer', () => {
    const form = testForm({ fields: [{ id: 'badge', label: 'Badge', type: 'text', unique: true }] as never });
    const app = buildApp(testConfig({ form }), { clock: frozenClock() });
    track(app);
    return expect(app.ready()).rejects.toThrow(/deps\.profileWriter/);
  });

  it('refuses a validate option that is not a function, naming it', () => {
    const host = track(Fastify());
    void host.register(progressiveProfile, { config: testConfig(), deps: { clock: frozenClock(), profileWriter: new RecordingWriter() }, validate: {} as never });
    return expect(host.ready()).rejects.toThrow(/^validate: must be an async function/);
  });

  it('refuses to start with a linking form and no identity linker', () => {
    const app = buildApp(testConfig({ form: linkingForm() }), { clock: frozenClock(), profileWriter: new RecordingWriter() });
    track(app);
    return expect(app.ready()).rejects.toThrow(/deps\.identityLinker/);
  });
});

describe('the plugin under a prefix in another app', () => {
  it('serves every route under the prefix and leaves the host app alone', async () => {
    const host = Fastify();
    track(host);
    host.post('/echo', async (request) => ({ body: request.body }));
    await host.register(progressiveProfile, {
      prefix: '/profile',
      config: testConfig(),
      deps: { clock: frozenClock(), profileWriter: new RecordingWriter(), widgetScript: WIDGET },
    });

    expect((await host.inject('/profile/healthz')).json()).toEqual({ status: 'ok' });
    expect((await host.inject('/profile/form')).statusCode).toBe(200);
    const page = await host.inject({ url: '/profile', headers: { host: 'site.example' } });
    expect(page.body).toContain('src="/profile/progressive-profile.js"');
    expect(page.body).toContain('endpoint="/profile"');
    expect(page.body).toContain('<style>:root { color-scheme: light dark; }');
    expect((await host.inject('/profile/hosted-page.css')).statusCode).toBe(200);
    expect((await host.inject('/profile/progressive-profile.js')).body).toBe(WIDGET);
    const submit = await post(host, '/profile/submit', await submitBody());
    expect(submit.statusCode).toBe(200);
    expect(decodeJwt(submit.json().session_token).sub).toBe('auth0|user-1');

    const missing = await host.inject('/profile/missing');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['referrer-policy']).toBe('no-referrer');
    const echo = await post(host, '/echo', 'plain words', { 'content-type': 'text/plain' });
    expect(echo.json()).toEqual({ body: 'plain words' });
    expect(echo.headers['referrer-policy']).toBeUndefined();
  });
});

describe('the plugin at the root of an app with its own 404 handler', () => {
  it('leaves the host app its handler', async () => {
    const host = Fastify();
    track(host);
    host.setNotFoundHandler((_request, reply) => reply.code(404).send('host 404'));
    await host.register(progressiveProfile, { config: testConfig(), deps: { clock: frozenClock(), profileWriter: new RecordingWriter() } });
    expect((await host.inject('/healthz')).statusCode).toBe(200);
    expect((await host.inject('/nothing')).body).toBe('host 404');
  });
});
