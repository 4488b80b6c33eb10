import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, setup } from '../support/app.js';

afterEach(closeApps);

describe('GET /healthz', () => {
  it('answers ok', async () => {
    const response = await setup().app.inject('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});
