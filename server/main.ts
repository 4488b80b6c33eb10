// The server's entry point: the only file that reads the environment and listens.
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createServerDeps } from './deps.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  // The writer reports retries through the app's logger, which exists once the app does.
  const deps = await createServerDeps(config, { warn: (details, message) => app.log.warn(details, message) });
  const app = buildApp(config, deps, { logger: { level: process.env.LOG_LEVEL ?? 'info' } });

  let isClosing = false;
  const shutdown = (signal: string): void => {
    if (isClosing) return;
    isClosing = true;
    app.log.info({ signal }, 'shutting down');
    void (async () => {
      try {
        await app.close();
        await deps.close();
      } catch (error) {
        app.log.error({ type: (error as Error)?.name }, 'error during shutdown');
        process.exitCode = 1;
      }
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    {
      mode: config.management ? 'management-api' : 'action-writes',
      store: config.redisUrl ? 'redis' : 'memory',
      tenant: config.tenant.host,
      customDomain: config.customDomain?.host,
      host: config.host,
      port: (app.server.address() as { port?: number } | null)?.port ?? config.port,
      widget: deps.widgetScript === undefined ? 'missing' : 'loaded',
    },
    'progressive profile server started',
  );
  if (deps.widgetScript === undefined) app.log.warn('dist/progressive-profile.js not found: run `npm run build` to serve the widget');
}

await main();
