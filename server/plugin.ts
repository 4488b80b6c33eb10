// The Progressive Profile routes as an encapsulated Fastify plugin: `buildApp` mounts it at the
// root, and a site owner may register it under a prefix in an app of their own. This file only
// wires: what each route does lives in routes/, what a request meets before it in http/.
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import { systemClock, type Clock } from './clock.js';
import { listTenantHosts, type Config } from './config.js';
import { acceptJsonBodiesOnly, BODY_LIMIT } from './http/body.js';
import { handleError, handleNotFound, RequestError } from './http/errors.js';
import { guardRequest, refuseWhileClosing } from './http/guard.js';
import { createValidatorCompiler, skipBodySchema, submitBodySchema, toShapeError, type SkipBody, type SubmitBody } from './http/schemas.js';
import { createBundleHandler } from './routes/bundle.js';
import { createFormHandler } from './routes/form.js';
import { handleHealth } from './routes/health.js';
import { registerHostedPage } from './routes/hosted-page.js';
import { createSkipHandler } from './routes/skip.js';
import { createSubmitHandler } from './routes/submit.js';
import type { HostedPageAssets } from './ssr/hosted-page-assets.js';
import { createMemoryStore } from './store/memory.js';
import { createSingleUse, type SingleUseStore } from './store/single-use.js';
import { createContinueTokenSigner } from './tokens/continue-token.js';
import { createSessionTokenVerifier } from './tokens/session-token.js';
import type { ProfileWriter } from './upstream/profile-writer.js';

export interface AppDeps {
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: an in-memory store (one process). */
  store?: SingleUseStore;
  /** Writes through the Management API; undefined means the Action writes the data from T2. */
  profileWriter?: ProfileWriter;
  /** The widget bundle served at /progressive-profile.js; undefined answers 404 there. */
  widgetScript?: string | Buffer;
  /** The hosted page's server renderer and script; default: read from dist/ (null: none, the page renders in the browser). */
  hostedPage?: HostedPageAssets | null;
}

export interface ProgressiveProfileOptions {
  config: Config;
  deps?: AppDeps;
}

/**
 * Registers GET /healthz, /form, /, /hosted-page.css, /progressive-profile.js (and the hosted
 * page's own parts: routes/hosted-page.ts) and POST /submit, /skip. Throws a `TypeError` naming
 * the option when the options cannot work together.
 */
export const progressiveProfile: FastifyPluginAsync<ProgressiveProfileOptions> = async (app, options) => {
  const { config, deps = {} } = options;
  if (!config || typeof config !== 'object') throw new TypeError('config: the validated configuration (loadConfig) is required');
  const { profileWriter } = deps;
  if (!profileWriter && config.form.fields.some((field) => field.unique)) {
    throw new TypeError('deps.profileWriter: required when a field is "unique" (values are checked through the Management API)');
  }
  const clock = deps.clock ?? systemClock;
  const store = deps.store ?? createMemoryStore({ clock });
  if (!deps.store) app.addHook('onClose', async () => store.close());

  const verifier = createSessionTokenVerifier({
    secret: config.sessionTokenSecret,
    hosts: listTenantHosts(config),
    maxSessionTtl: config.maxSessionTtl,
    clock,
  });
  const signer = createContinueTokenSigner({ secret: config.continueTokenSecret, ttl: config.continueTokenTtl, clock });
  const singleUse = createSingleUse(store, { workSeconds: config.managementApiTimeout });
  const prefix = app.prefix;

  app.addHook('onRequest', guardRequest);
  refuseWhileClosing(app);
  acceptJsonBodiesOnly(app);
  app.setValidatorCompiler(createValidatorCompiler());
  app.setSchemaErrorFormatter(toShapeError);
  app.setErrorHandler(handleError);
  // At the root the 404 handler belongs to the host app (buildApp sets this one there).
  if (prefix !== '') app.setNotFoundHandler(handleNotFound);

  await app.register(cors, {
    origin: config.allowedOrigins.length > 0 ? [...config.allowedOrigins] : false,
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['content-type'],
    maxAge: 600,
  });
  // One budget per client address shared by /submit and /skip: both spend a session token.
  let limitRate: ReturnType<typeof app.rateLimit> | undefined;
  if (config.rateLimit > 0) {
    await app.register(rateLimit, {
      global: false,
      max: config.rateLimit,
      timeWindow: 60_000,
      errorResponseBuilder: (_request, context) =>
        new RequestError('rate_limited', 'Too many attempts. Please wait a moment and try again.', {
          retryAfter: Math.max(1, Math.ceil(context.ttl / 1000)),
        }),
    });
    limitRate = app.rateLimit();
  }
  const postOptions = { bodyLimit: BODY_LIMIT, ...(limitRate ? { onRequest: limitRate } : {}) };

  app.get('/healthz', handleHealth);
  app.get('/form', createFormHandler(config.form));
  await registerHostedPage(app, { prefix, form: config.form, verifier, assets: deps.hostedPage });
  app.get('/progressive-profile.js', createBundleHandler(deps.widgetScript));
  app.post<{ Body: SubmitBody }>(
    '/submit',
    { ...postOptions, schema: { body: submitBodySchema } },
    createSubmitHandler({
      form: config.form,
      verifier,
      singleUse,
      signer,
      profileWriter,
      upstreamSeconds: config.managementApiTimeout,
      clock,
    }),
  );
  app.post<{ Body: SkipBody }>(
    '/skip',
    { ...postOptions, schema: { body: skipBodySchema } },
    createSkipHandler({ allowSkip: config.form.allow_skip, verifier, singleUse, signer }),
  );
};
