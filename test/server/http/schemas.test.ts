import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { progressiveProfile } from '../../../server/plugin.js';
import { closeApps, post, setup, track } from '../support/app.js';
import { RecordingWriter, frozenClock, mintSessionToken, testConfig } from '../support/fixtures.js';

afterEach(closeApps);

const BODY_MESSAGE = 'The request body must be a JSON object.';
const STATE_MESSAGE = 'The request has no valid "state".';
const TOKEN_MESSAGE = 'The request has no valid "session_token".';
const VALUES_MESSAGE = '"values" must be an object of field values.';

describe('the POST body schemas', () => {
  it.each([
    ['null', null, BODY_MESSAGE],
    ['an array', ['state'], BODY_MESSAGE],
    ['a string', 'state', BODY_MESSAGE],
    ['no state, whatever else is wrong', { session_token: 5, values: [] }, STATE_MESSAGE],
    ['a number for state', { state: 5, session_token: 'x', values: {} }, STATE_MESSAGE],
    ['an empty state', { state: '', session_token: 'x', values: {} }, STATE_MESSAGE],
    ['a state over 2048 characters', { state: 's'.repeat(2049), session_token: 'x', values: {} }, STATE_MESSAGE],
    ['a state with a lone surrogate', { state: 'a\uD800b', session_token: 'x', values: {} }, STATE_MESSAGE],
    ['no session_token', { state: 's', values: {} }, TOKEN_MESSAGE],
    ['a number for session_token', { state: 's', session_token: 5, values: {} }, TOKEN_MESSAGE],
    ['a session_token over 8192 characters', { state: 's', session_token: 't'.repeat(8193), values: {} }, TOKEN_MESSAGE],
    ['no values', { state: 's', session_token: 'x' }, VALUES_MESSAGE],
    ['values that are an array', { state: 's', session_token: 'x', values: [] }, VALUES_MESSAGE],
    ['values that are null', { state: 's', session_token: 'x', values: null }, VALUES_MESSAGE],
  ])('answers /submit 400 invalid_request naming the first problem for %s', async (_case, body, message) => {
    const response = await post(setup().app, '/submit', JSON.stringify(body), { 'content-type': 'application/json' });
    expect({ status: response.statusCode, body: response.json() }).toEqual({ status: 400, body: { error: 'invalid_request', message } });
  });

  it('answers /skip by the same rules, without asking for values', async () => {
    const { app } = setup();
    const noToken = await post(app, '/skip', { state: 's' });
    expect({ status: noToken.statusCode, body: noToken.json() }).toEqual({ status: 400, body: { error: 'invalid_request', message: TOKEN_MESSAGE } });
    expect((await post(app, '/skip', { state: 's', session_token: await mintSessionToken() })).statusCode).toBe(200);
  });

  it('accepts a state of astral characters and ignores unknown top-level keys', async () => {
    const { app, writer } = setup();
    const body = { state: '😀-state', session_token: await mintSessionToken(), values: { company_name: 'Acme', job_title: 'CTO' }, extra: 1 };
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expect(writer.writes).toHaveLength(1);
  });

  it("keeps its rules inside a host app whose Ajv coerces types and removes unknown keys", async () => {
    const host = track(Fastify({ ajv: { customOptions: { coerceTypes: true, removeAdditional: 'all', useDefaults: true } } }));
    const writer = new RecordingWriter();
    const deps = { clock: frozenClock(), profileWriter: writer };
    await host.register(progressiveProfile, { prefix: '/profile', config: testConfig(), deps });
    const coercible = await post(host, '/profile/submit', { state: 5, session_token: 'x', values: {} });
    expect({ status: coercible.statusCode, body: coercible.json() }).toEqual({ status: 400, body: { error: 'invalid_request', message: STATE_MESSAGE } });
    const values = { company_name: 'Acme', job_title: 'CTO', age: '42' };
    const typed = await post(host, '/profile/submit', { state: 's', session_token: await mintSessionToken(), values });
    expect({ status: typed.statusCode, error: typed.json().error }).toEqual({ status: 400, error: 'invalid_request' });
    expect(writer.writes).toEqual([]);
  });
});
