import { describe, expect, it } from 'vitest';
import * as entry from '../../server/index.js';

describe('server/index.ts', () => {
  it('exports the plugin, what it is built from, its metrics, and the errors its ports throw: nothing else', () => {
    expect(Object.keys(entry).sort()).toEqual([
      'ConfigError',
      'RequestError',
      'StoreUnavailableError',
      'buildApp',
      'buildMetricsApp',
      'createMetrics',
      'createServerDeps',
      'loadConfig',
      'progressiveProfile',
    ]);
  });

  it('builds a working app from the environment through the entry alone', async () => {
    const config = entry.loadConfig(
      { AUTH0_DOMAIN: 'acme.eu.auth0.com', SESSION_TOKEN_SECRET: 'entry-test-secret-0123456789-abcdefghij' },
      { cwd: '/nonexistent-dir-for-env-file' },
    );
    const deps = await entry.createServerDeps(config);
    const app = entry.buildApp(config, deps);
    try {
      expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
      await deps.close();
    }
  });
});
