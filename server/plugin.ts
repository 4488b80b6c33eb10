// The Progressive Profile routes as an encapsulated Fastify plugin: `buildApp` mounts it at the
// root, and a site owner may register it under a prefix in an app of their own.
import { createHash } from 'node:crypto';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { selectFieldsToAsk } from '../common/field-rules.js';
import type { ContinueResponse, ErrorResponse, FieldDefinition } from '../common/wire.js';
import { listTenantHosts, type Config } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { assertValuesAvailable, buildProfilePatch, isEmptyPatch, parseSubmittedValues } from './fields/values.js';
import { RequestError } from './http/errors.js';
import { computeEtag, isEtagMatch } from './http/etag.js';
import { describeError } from './ops/log.js';
import { HOSTED_PAGE_CSP, renderHostedPage } from './routes/hosted-page.js';
import { createMemoryStore } from './store/memory.js';
import { StoreUnavailableError, type SingleUseStore } from './store/single-use.js';
import { createContinueTokenSigner, toProfileClaim } from './tokens/continue-token.js';
import { CLOCK_TOLERANCE_SECONDS, createSessionTokenVerifier, type VerifiedSession } from './tokens/session-token.js';
import type { ProfilePatch, ProfileWriter, WriteOptions } from './upstream/profile-writer.js';

export interface AppDeps {
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: an in-memory store (one process). */
  store?: SingleUseStore;
  /** Writes through the Management API; undefined means the Action writes the data from T2. */
  profileWriter?: ProfileWriter;
  /** The widget bundle served at /progressive-profile.js; undefined answers 404 there. */
  widgetScript?: string | Buffer;
}

export interface ProgressiveProfileOptions {
  config: Config;
  deps?: AppDeps;
}

/** Bytes a /submit or /skip body may have: a few fields, a state and a token fit many times over. */
export const BODY_LIMIT = 16 * 1024;
const MAX_STATE_LENGTH = 2048;
const MAX_TOKEN_LENGTH = 8192;
// Seconds a reservation outlives the upstream budget, so a slow write never loses its hold.
const HOLD_MARGIN_SECONDS = 5;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Registers GET /healthz, /form, /, /progressive-profile.js and POST /submit, /skip. Throws a
 * `TypeError` naming the option when the options cannot work together.
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
  const holdSeconds = Math.ceil(config.managementApiTimeout) + HOLD_MARGIN_SECONDS;

  const formBody = JSON.stringify(config.form);
  const formEtag = computeEtag(formBody);
  const widget = deps.widgetScript === undefined ? undefined : { body: deps.widgetScript, etag: computeEtag(deps.widgetScript) };
  const prefix = app.prefix;

  // Bodies are JSON and nothing else, whatever parsers the host app has; Fastify's parser refuses
  // `__proto__` and `constructor.prototype` keys outright.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, app.getDefaultJsonParser('error', 'error'));

  app.addHook('onSend', async (_request, reply, payload) => {
    // T1 sits in the form page's URL until the widget strips it: no request may leak it onwards.
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
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

  app.get('/healthz', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/form', async (request, reply) => {
    void reply.header('etag', formEtag).header('cache-control', 'public, max-age=60, must-revalidate');
    if (isEtagMatch(request.headers['if-none-match'], formEtag)) return reply.code(304).send();
    return reply.type(JSON_TYPE).send(formBody);
  });

  app.get('/', async (_request, reply) => {
    // A path, not an absolute URL: the Host header is the client's to choose, never echoed back.
    const endpoint = prefix === '' ? '/' : prefix;
    return reply
      .header('cache-control', 'no-store')
      .header('content-security-policy', HOSTED_PAGE_CSP)
      .header('x-frame-options', 'DENY')
      .type('text/html; charset=utf-8')
      .send(renderHostedPage({ endpoint, scriptPath: `${prefix}/progressive-profile.js`, formPath: `${prefix}/form` }));
  });

  app.get('/progressive-profile.js', async (request, reply) => {
    if (!widget) {
      return reply
        .code(404)
        .type(JSON_TYPE)
        .send({ error: 'not_found', message: 'The widget bundle was not built: run `npm run build`.' });
    }
    // A module script loads cross-origin only with CORS; `no-cache` makes every page revalidate,
    // so an upgrade reaches all of them at once.
    void reply
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('etag', widget.etag)
      .header('cache-control', 'no-cache');
    if (isEtagMatch(request.headers['if-none-match'], widget.etag)) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').send(widget.body);
  });

  app.post('/submit', postOptions, async (request, reply) => {
    const { state, sessionToken, body } = readRequestBody(request.body);
    const values = parseSubmittedValues(config.form, Object.hasOwn(body, 'values') ? body.values : undefined);
    const session = await verifier.verify(sessionToken);
    return completeOnce(request, reply, session, sessionToken, state, async () => {
      const asked = selectFieldsToAsk(config.form.fields, session.claims.fields);
      const patch = buildProfilePatch(asked, values);
      if (profileWriter) {
        await writeWithinBudget(profileWriter, session.claims.sub, asked, patch);
        return signer.sign({ sub: session.claims.sub, state });
      }
      return signer.sign({ sub: session.claims.sub, state, profile: toProfileClaim(patch) });
    });
  });

  app.post('/skip', postOptions, async (request, reply) => {
    const { state, sessionToken } = readRequestBody(request.body);
    const session = await verifier.verify(sessionToken);
    return completeOnce(request, reply, session, sessionToken, state, async () => {
      if (!config.form.allow_skip) throw new RequestError('skip_not_allowed', 'This form cannot be skipped.');
      return signer.sign({ sub: session.claims.sub, state, skipped: true });
    });
  });

  /**
   * Runs `work` while T1 is reserved: a failure releases it (the same submit may be retried), a
   * success keeps it until T1 can no longer be accepted.
   */
  async function completeOnce(
    request: FastifyRequest,
    reply: FastifyReply,
    session: VerifiedSession,
    sessionToken: string,
    state: string,
    work: () => Promise<string>,
  ): Promise<ContinueResponse> {
    const key = reservationKey(session, sessionToken);
    const reserved = await callStore(() => store.reserve(key, holdSeconds));
    if (reserved === 'used') {
      throw new RequestError('session_used', 'This form was already sent. Please sign in again to continue.');
    }
    let continueToken: string;
    try {
      continueToken = await work();
      await callStore(() => store.commit(key, session.claims.exp + CLOCK_TOLERANCE_SECONDS));
    } catch (error) {
      try {
        await store.release(key);
      } catch (releaseError) {
        request.log.warn({ err: describeError(releaseError) }, 'could not release a session token reservation');
      }
      throw error;
    }
    void reply.header('cache-control', 'no-store');
    return {
      // The host comes only from T1's verified `iss`, mapped to a configured host: never from the request.
      continue_url: `${session.host.origin}/continue?state=${encodeURIComponent(state)}`,
      session_token: continueToken,
    };
  }

  /** Unique checks and the write share one budget of MANAGEMENT_API_TIMEOUT seconds. */
  async function writeWithinBudget(
    writer: ProfileWriter,
    userId: string,
    asked: readonly FieldDefinition[],
    patch: ProfilePatch,
  ): Promise<void> {
    if (isEmptyPatch(patch)) return;
    const budget = config.managementApiTimeout * 1000;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new RequestError('upstream_timeout', 'Saving your profile took too long. Please try again.')),
      budget,
    );
    const writeOptions: WriteOptions = { signal: controller.signal, deadline: clock.now() + budget };
    // Backstop: answer in time even if a writer ignores the signal.
    const timedOut = new Promise<never>((_resolve, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    try {
      await Promise.race([
        (async () => {
          await assertValuesAvailable(writer, userId, asked, patch, writeOptions);
          await writer.writeProfile(userId, patch, writeOptions);
        })(),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
};

/** JSON 404 carrying the headers every answer carries (it may run outside this plugin's hooks). */
export function handleNotFound(_request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .code(404)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .type(JSON_TYPE)
    .send({ error: 'not_found', message: 'There is nothing at this address.' });
}

interface RequestBody {
  state: string;
  sessionToken: string;
  body: Record<string, unknown>;
}

/** The shape every POST body shares (400 `invalid_request`): a JSON object with `state` and `session_token`. */
function readRequestBody(body: unknown): RequestBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError('invalid_request', 'The request body must be a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  const state = Object.hasOwn(fields, 'state') ? fields.state : undefined;
  if (typeof state !== 'string' || state === '' || state.length > MAX_STATE_LENGTH || !isEncodable(state)) {
    throw new RequestError('invalid_request', 'The request has no valid "state".');
  }
  const sessionToken = Object.hasOwn(fields, 'session_token') ? fields.session_token : undefined;
  if (typeof sessionToken !== 'string' || sessionToken === '' || sessionToken.length > MAX_TOKEN_LENGTH) {
    throw new RequestError('invalid_request', 'The request has no valid "session_token".');
  }
  return { state, sessionToken, body: fields };
}

// Reservation keys are hashed so their size is bounded whatever the token carries.
function reservationKey(session: VerifiedSession, sessionToken: string): string {
  const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
  return session.claims.jti !== undefined ? `jti:${sha256(session.claims.jti)}` : `t1:${sha256(sessionToken)}`;
}

async function callStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new RequestError('upstream_unavailable', 'The service is busy. Please try again in a moment.', { cause: error });
  }
}

// encodeURIComponent throws on lone surrogates; such a state could never round-trip.
function isEncodable(text: string): boolean {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

function handleError(this: unknown, error: FastifyError | RequestError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const refusal = toRequestError(error);
  if (!refusal) {
    request.log.error({ err: describeError(error) }, 'unexpected error');
    void reply
      .code(500)
      .type(JSON_TYPE)
      .header('cache-control', 'no-store')
      .send({ error: 'internal_error', message: 'Something went wrong on our side. Please try again.' });
    return;
  }
  if (refusal.status >= 500) {
    request.log.warn({ code: refusal.code, cause: describeError(refusal.cause) }, 'upstream failure');
  } else {
    request.log.info({ code: refusal.code }, 'request refused');
  }
  const body: ErrorResponse = {
    error: refusal.code,
    message: refusal.message,
    ...(refusal.fields ? { fields: refusal.fields } : {}),
  };
  if (refusal.retryAfter !== undefined) void reply.header('retry-after', String(refusal.retryAfter));
  void reply.code(refusal.status).type(JSON_TYPE).header('cache-control', 'no-store').send(body);
}

/** Our own errors, and Fastify's request-shape errors translated by their code; undefined for the rest. */
function toRequestError(error: unknown): RequestError | undefined {
  if (error instanceof RequestError) return error;
  if (error instanceof StoreUnavailableError) {
    return new RequestError('upstream_unavailable', 'The service is busy. Please try again in a moment.', { cause: error });
  }
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RequestError('invalid_request', 'The request body is too large.', { status: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RequestError('invalid_request', 'The request body must be JSON (Content-Type: application/json).', { status: 415 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new RequestError('invalid_request', 'The request body is not valid JSON.');
  }
  if (error instanceof SyntaxError && statusCode === 400) {
    return new RequestError('invalid_request', 'The request body is not valid JSON.');
  }
  return undefined;
}
