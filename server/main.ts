// The server's entry point: the only file that reads the environment and listens.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createServerDeps, type ServerDeps } from './deps.js';
import { buildMetricsApp, createMetrics, type Metrics } from './ops/metrics.js';

async function main(): Promise<void> {
  let config: Config;
  let deps: ServerDeps;
  let metrics: Metrics | undefined;
  let app: FastifyInstance | undefined;
  // The Management API parts report retries through the app's logger, which exists once the app
  // does; what they report during the start-time checks waits for it.
  const earlyWarnings: Array<[object, string]> = [];
  const warn = (details: object, message: string): void => {
    if (app) app.log.warn(details, message);
    else earlyWarnings.push([details, message]);
  };
  try {
    config = loadConfig(process.env);
    metrics = config.metricsPort === undefined ? undefined : createMetrics();
    deps = await createServerDeps(config, { warn, onManagementAttempt: metrics?.countManagementAttempt });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const server = buildApp(config, { ...deps, metrics }, { logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  app = server;
  // Its own listener on METRICS_PORT: the public port never answers /metrics.
  const metricsServer = metrics && buildMetricsApp(metrics);

  let isClosing = false;
  const shutdown = (signal: string): void => {
    if (isClosing) return;
    isClosing = true;
    server.log.info({ signal }, 'shutting down');
    void (async () => {
      try {
        await server.close();
        await metricsServer?.close();
        await deps.close();
      } catch (error) {
        server.log.error({ type: (error as Error)?.name }, 'error during shutdown');
        process.exitCode = 1;
      }
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await server.listen({ host: config.host, port: config.port });
  if (metricsServer) await metricsServer.listen({ host: config.host, port: config.metricsPort });
  server.log.info(
    {
      mode: config.management ? 'management-api' : 'action-writes',
      store: config.redisUrl ? 'redis' : 'memory',
      tenant: config.tenant.host,
      customDomain: config.customDomain?.host,
      host: config.host,
      port: (server.server.address() as { port?: number } | null)?.port ?? config.port,
      metricsPort: config.metricsPort,
      widget: deps.widgetScript === undefined ? 'missing' : 'loaded',
    },
    'progressive profile server started',
  );
  for (const [details, message] of earlyWarnings.splice(0)) server.log.warn(details, message);
  for (const warning of deps.startupWarnings) server.log.warn(warning);
  if (deps.widgetScript === undefined) server.log.warn('dist/progressive-profile.js not found: run `npm run build` to serve the widget');
  if (config.restartUrl === undefined) {
    // Without it, "Sign in again" on the server's own page leads back to that page.
    server.log.warn('RESTART_URL is not set: the hosted page (GET /) leads "Sign in again" to its own address; when PROFILE_FORM_URL is this server, set RESTART_URL to your application\'s sign-in route');
  }
}

await main();
