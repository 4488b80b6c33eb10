// The Progressive Profile routes as an encapsulated Fastify plugin: `buildApp` mounts it at the
// root, and a site owner may register it under a prefix in an app of their own. This file only
// wires: what each route does lives in routes/, what a request meets before it in http/.
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import type { PasswordPolicy } from '../common/wire.js';
import { systemClock, type Clock } from './clock.js';
import { listTenantHosts, type Config } from './config.js';
import { acceptJsonBodiesOnly, BODY_LIMIT } from './http/body.js';
import { handleError, handleNotFound, RequestError } from './http/errors.js';
import { guardRequest, refuseWhileClosing } from './http/guard.js';
import { continueResponseSchema, createValidatorCompiler, skipBodySchema, submitBodySchema, toShapeError, type SkipBody, type SubmitBody } from './http/schemas.js';
import { createAnswerLog, isInfoLogged } from './ops/answer-log.js';
import { instrumentApp, type Metrics } from './ops/metrics.js';
import { createBundleHandler, WIDGET_CHUNK_NAME } from './routes/bundle.js';
import { createFormHandler } from './routes/form.js';
import { createHealthHandler } from './routes/health.js';
import { registerHostedPage } from './routes/hosted-page.js';
import { createSkipHandler } from './routes/skip.js';
import { createSubmitHandler } from './routes/submit.js';
import type { HostedPageAssets } from './ssr/hosted-page-assets.js';
import { createMemoryStore } from './store/memory.js';
import { createSingleUse, type SingleUseStore } from './store/single-use.js';
import { createUniqueClaims } from './store/unique-claims.js';
import { createContinueTokenSigner } from './tokens/continue-token.js';
import { createSessionTokenVerifier } from './tokens/session-token.js';
import type { IdentityLinker } from './upstream/identity-linker.js';
import { withPasswordPolicy } from './upstream/password-policy.js';
import type { ProfileWriter } from './upstream/profile-writer.js';
import { createInProcessValidator, createValidationHook, type ValidateValues, type ValuesValidator } from './upstream/validation-hook.js';

export interface AppDeps {
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: an in-memory store (one process). Single use of T1, refused attempts, `unique` claims. */
  store?: SingleUseStore;
  /** Writes through the Management API; undefined means the Action writes the data from T2. */
  profileWriter?: ProfileWriter;
  /** Creates and links database identities; required when the form has `link_database_identity`. */
  identityLinker?: IdentityLinker;
  /** The linking connection's password rules, shown by GET /form on the password field. */
  passwordPolicy?: PasswordPolicy;
  /** The widget bundle served at /progressive-profile.js; undefined answers 404 there. */
  widgetScript?: string | Buffer;
  /** The chunks the bundle imports from beside itself, by file name (`progressive-profile-calling-codes.js`). */
  widgetChunks?: Readonly<Record<string, string | Buffer>>;
  /** Where the routes' answers, durations, hook calls and store entries are counted (`createMetrics`); none by default. */
  metrics?: Metrics;
  /** The hosted page's server renderer and script; default: read from dist/ (null: none, the page renders in the browser). */
  hostedPage?: HostedPageAssets | null;
}

export interface ProgressiveProfileOptions {
  config: Config;
  deps?: AppDeps;
  /**
   * The validation hook in-process: called with the normalized values (never the password) after
   * the server's own rules pass and before anything is written. Answer `{}` (or nothing) to accept,
   * `{errors: {id: message}}` to refuse those fields (422 `rejected`); a throw, another shape or
   * running past VALIDATION_HOOK_TIMEOUT answers 503. Not with VALIDATION_HOOK_URL.
   */
  validate?: ValidateValues;
}

/**
 * Registers GET /healthz, /form, /, /hosted-page.css, /progressive-profile.js (and the hosted
 * page's own parts: routes/hosted-page.ts) and POST /submit, /skip. Throws a `TypeError` naming
 * the option when the options cannot work together.
 */
export const progressiveProfile: FastifyPluginAsync<ProgressiveProfileOptions> = async (app, options) => {
  const { config, deps = {}, validate } = options;
  if (!config || typeof config !== 'object') throw new TypeError('config: the validated configuration (loadConfig) is required');
  if (validate !== undefined && config.validationHook) {
    throw new TypeError('validate: VALIDATION_HOOK_URL is set too; use one of them');
  }
  const { profileWriter, identityLinker } = deps;
  const form = config.form;
  if (!profileWriter && form.fields.some((field) => field.unique)) {
    throw new TypeError('deps.profileWriter: required when a field is "unique" (values are checked through the Management API)');
  }
  if ((!profileWriter || !identityLinker) && form.link_database_identity) {
    throw new TypeError('deps.profileWriter and deps.identityLinker: required when the form links database identities');
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
  let validator: ValuesValidator | undefined;
  if (validate !== undefined) {
    validator = createInProcessValidator(validate, { timeoutSeconds: config.validationHookTimeout });
  } else if (config.validationHook) {
    validator = createValidationHook({ ...config.validationHook, timeoutSeconds: config.validationHookTimeout, clock });
  }
  if (validator && deps.metrics) validator = deps.metrics.observeValidator(validator);
  // A reservation outlives the upstream work of a submit: the hook's and the Management API's.
  // All upstream work of a submit (the hook included) shares MANAGEMENT_API_TIMEOUT from arrival.
  const singleUse = createSingleUse(store, { workSeconds: config.managementApiTimeout });
  const prefix = app.prefix;

  app.addHook('onRequest', guardRequest);
  refuseWhileClosing(app);
  acceptJsonBodiesOnly(app);
  app.setValidatorCompiler(createValidatorCompiler());
  app.setSchemaErrorFormatter(toShapeError);
  app.setErrorHandler(handleError);
  if (deps.metrics) instrumentApp(app, deps.metrics, store);
  // At the root the 404 handler belongs to the host app (buildApp sets this one there).
  if (prefix !== '') app.setNotFoundHandler(handleNotFound);

  // No origin allowed: no CORS plugin at all (with `origin: false` its hook still ran on every
  // request, and its preflight route answered the 404 the router answers without it).
  if (config.allowedOrigins.length > 0) {
    await app.register(cors, {
      origin: [...config.allowedOrigins],
      methods: ['GET', 'HEAD', 'POST'],
      allowedHeaders: ['content-type'],
      maxAge: 600,
    });
  }
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

  // The answer line's hooks run only when it is written or its outcome counted.
  const answerLog = { isLogged: isInfoLogged(app.log, (options as { logLevel?: string }).logLevel), metrics: deps.metrics };
  const publicForm = withPasswordPolicy(config.form, deps.passwordPolicy);
  app.get('/healthz', createHealthHandler(store));
  app.get('/form', createFormHandler(publicForm));
  await registerHostedPage(app, { prefix, form: publicForm, verifier, restartUrl: config.restartUrl, assets: deps.hostedPage });
  const chunks = Object.entries(deps.widgetChunks ?? {});
  for (const [name] of chunks) {
    if (!WIDGET_CHUNK_NAME.test(name)) throw new TypeError(`deps.widgetChunks: "${name}" is not a chunk the bundle imports`);
  }
  // Compressed at start, all at once (off the event loop).
  const [bundleHandler, ...chunkHandlers] = await Promise.all([deps.widgetScript, ...chunks.map(([, chunk]) => chunk)].map((script) => createBundleHandler(script)));
  app.get('/progressive-profile.js', bundleHandler);
  chunks.forEach(([name], index) => app.get(`/${name}`, chunkHandlers[index]));
  app.post<{ Body: SubmitBody }>(
    '/submit',
    { ...postOptions, ...createAnswerLog('submit', answerLog), schema: { body: submitBodySchema, response: { 200: continueResponseSchema } } },
    createSubmitHandler({
      form: config.form,
      verifier,
      singleUse,
      signer,
      profileWriter,
      identityLinker,
      uniqueClaims: createUniqueClaims(store),
      upstreamSeconds: config.managementApiTimeout,
      validator,
      storeOperationMs: store.maxOperationMs,
      clock,
    }),
  );
  app.post<{ Body: SkipBody }>(
    '/skip',
    { ...postOptions, ...createAnswerLog('skip', answerLog), schema: { body: skipBodySchema, response: { 200: continueResponseSchema } } },
    createSkipHandler({ allowSkip: config.form.allow_skip, verifier, singleUse, signer }),
  );
};
