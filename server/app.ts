import Fastify, { LogController, type FastifyInstance, type FastifyLoggerOptions, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { BODY_LIMIT } from './http/body.js';
import { handleClientError, handleFrameworkError } from './http/client-errors.js';
import { handleError, handleNotFound } from './http/errors.js';
import { guardRequest } from './http/guard.js';
import { hasAnswerLog } from './ops/answer-log.js';
import { LOG_SERIALIZERS } from './ops/log.js';
import { progressiveProfile, type AppDeps } from './plugin.js';

export type { AppDeps } from './plugin.js';

export interface BuildAppOptions {
  /**
   * Fastify's logger: off by default (tests), on in main.ts. Whatever is given, requests are
   * logged by method and path only (no query string: T1 travels in one, no header, no body),
   * errors by class and code. /submit and /skip write one line per answer of their own instead
   * of Fastify's "incoming request" and "request completed".
   */
  logger?: boolean | Exclude<FastifyServerOptions['logger'], boolean | undefined>;
}

/**
 * Builds the server from validated configuration and its dependencies: the plugin at the root,
 * and the answers only the app can give (404, a URL Fastify cannot route, a request Node cannot
 * parse) in the same JSON shape with the same headers. Never listens.
 */
export function buildApp(config: Config, deps: AppDeps = {}, options: BuildAppOptions = {}): FastifyInstance {
  const logger = options.logger ?? false;
  const app = Fastify({
    logger:
      logger === false
        ? false
        : // Fastify's type wants `message` and `stack` from an error serializer: ours leaves the message out on purpose.
          { ...(logger === true ? {} : logger), serializers: LOG_SERIALIZERS as FastifyLoggerOptions['serializers'] },
    // Their own line holds all the two would (the request id, the status, the duration) and more.
    logController: new LogController({ disableRequestLogging: hasAnswerLog }),
    trustProxy: toTrustProxy(config.trustProxy),
    bodyLimit: BODY_LIMIT,
    // The plugin refuses requests during shutdown itself, in its own shape and headers.
    return503OnClosing: false,
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: handleClientError,
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler({ preHandler: guardRequest }, handleNotFound);
  void app.register(progressiveProfile, { config, deps });
  return app;
}

/**
 * Fastify 5 fails closed on a numeric `trustProxy`; TRUST_PROXY=N means what it means in Express
 * and proxy-addr: trust the N nearest hops (the socket peer is hop 0), so `req.ip` is the address
 * the outermost trusted proxy saw.
 */
function toTrustProxy(trustProxy: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trustProxy === false) return false;
  if (typeof trustProxy === 'number') {
    const hops = trustProxy;
    return (_address, hop) => hop < hops;
  }
  return [...trustProxy];
}
