import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, setup } from '../support/app.js';
import { parseFormDefinition } from '../../../server/fields/form-definition.js';
import { testForm } from '../support/fixtures.js';

afterEach(closeApps);

describe('GET /form', () => {
  it('answers the public form definition with an ETag and a cache policy', async () => {
    const response = await setup().app.inject('/form');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(testForm());
    expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(response.headers['cache-control']).toContain('max-age');
  });

  it('answers 304 when the ETag still matches', async () => {
    const { app } = setup();
    const { etag } = (await app.inject('/form')).headers;
    const response = await app.inject({ url: '/form', headers: { 'if-none-match': `W/${etag}` } });
    expect(response.statusCode).toBe(304);
    expect(response.body).toBe('');
  });

  it('answers only fields and allow_skip: the connection of account linking stays on the server', async () => {
    const form = parseFormDefinition(
      { fields: [{ id: 'password', label: 'Password', type: 'password', required: true }], link_database_identity: { connection: 'secret-db' } },
      { hasManagementCredentials: true },
    );
    const response = await setup({ form }).app.inject('/form');
    expect(Object.keys(response.json())).toEqual(['fields', 'allow_skip']);
    expect(response.body).not.toContain('secret-db');
  });
});
