/**
 * Progressive Profile: an Auth0 post-login Action.
 *
 * Sends users whose profile misses a required field to the profile form (PROFILE_FORM_URL) and,
 * when they come back through /continue, verifies the form's token and stores what it carries.
 * Plain JavaScript with no dependency beyond Node's own modules: paste or deploy it as it is
 * (rule/deploy.mjs does the latter). Runtime: node22, trigger post-login v3.
 *
 * Secrets (Actions > this Action > Secrets):
 *   SESSION_TOKEN_SECRET    at least 32 bytes, random; shared with the profile server.
 *   CONTINUE_TOKEN_SECRET   optional, at least 32 bytes; verifies the token the form sends back
 *                           (falls back to SESSION_TOKEN_SECRET).
 *   PROFILE_FORM_URL        https URL of the page that hosts <progressive-profile>
 *                           (http is accepted for localhost / 127.0.0.1 only).
 *   PROFILE_FIELDS          comma list of required field ids, e.g. `company_name,job_title`;
 *                           prefix an id with `app_metadata:` to keep it in app_metadata.
 *   PROFILE_OPTIONAL_FIELDS the same for optional ids: stored when given, never a reason to ask.
 *   PROFILE_LOGIN_COUNT     ask from this login on (event.stats.logins_count counts the current
 *                           one); default 2, the second time the user logs in.
 *   PROFILE_SNOOZE_DAYS     after "skip", leave the user alone this many days; default 7.
 *
 * A misconfiguration never locks anyone out: the Action logs one line (never a secret) and lets
 * the login through. A token that fails verification on /continue denies the login.
 */
'use strict';

const crypto = require('node:crypto');

const DEFAULT_LOGIN_COUNT = 2;
const DEFAULT_SNOOZE_DAYS = 7;
// Ten minutes to fill a short form; the server refuses longer-lived tokens anyway.
const SESSION_TOKEN_TTL_SECONDS = 600;
// RFC 8725 §3.5: an HS256 key needs at least as many random bits as the hash (256).
const MIN_SECRET_BYTES = 32;
const CONTINUE_TOKEN_ISSUER = 'progressive-profile';
const SNOOZE_KEY = 'progressive_profile_snoozed_until';
const APP_METADATA_PREFIX = 'app_metadata:';
const RESERVED_IDS = ['state', 'session_token', '__proto__', 'constructor', 'prototype'];
const LOG_PREFIX = 'progressive-profile:';

/**
 * Reads and checks the Action's secrets. Returns `{ settings }` or `{ problem }`, a sentence
 * naming the secret at fault and never its value.
 */
function readSettings(secrets) {
  const source = secrets || {};
  const sessionTokenSecret = source.SESSION_TOKEN_SECRET;
  if (!sessionTokenSecret) return { problem: 'SESSION_TOKEN_SECRET is not set' };
  if (byteLength(sessionTokenSecret) < MIN_SECRET_BYTES) {
    return { problem: `SESSION_TOKEN_SECRET is shorter than ${MIN_SECRET_BYTES} bytes` };
  }
  const continueTokenSecret = source.CONTINUE_TOKEN_SECRET || sessionTokenSecret;
  if (byteLength(continueTokenSecret) < MIN_SECRET_BYTES) {
    return { problem: `CONTINUE_TOKEN_SECRET is shorter than ${MIN_SECRET_BYTES} bytes` };
  }
  const formUrlProblem = checkFormUrl(source.PROFILE_FORM_URL);
  if (formUrlProblem) return { problem: `PROFILE_FORM_URL ${formUrlProblem}` };

  const required = parseFieldList(source.PROFILE_FIELDS);
  if (required.problem) return { problem: `PROFILE_FIELDS ${required.problem}` };
  if (required.fields.length === 0) return { problem: 'PROFILE_FIELDS names no field' };
  const optional = parseFieldList(source.PROFILE_OPTIONAL_FIELDS);
  if (optional.problem) return { problem: `PROFILE_OPTIONAL_FIELDS ${optional.problem}` };

  const loginCount = parseNumber(source.PROFILE_LOGIN_COUNT, DEFAULT_LOGIN_COUNT);
  if (!Number.isInteger(loginCount) || loginCount < 0) {
    return { problem: 'PROFILE_LOGIN_COUNT is not a whole number of at least 0' };
  }
  const snoozeDays = parseNumber(source.PROFILE_SNOOZE_DAYS, DEFAULT_SNOOZE_DAYS);
  if (!Number.isFinite(snoozeDays) || snoozeDays <= 0) {
    return { problem: 'PROFILE_SNOOZE_DAYS is not a number above 0' };
  }
  return {
    settings: {
      sessionTokenSecret,
      continueTokenSecret,
      formUrl: source.PROFILE_FORM_URL.trim(),
      requiredFields: required.fields,
      optionalFields: optional.fields,
      loginCount,
      snoozeDays,
    },
  };
}

function byteLength(text) {
  return Buffer.byteLength(String(text), 'utf8');
}

function parseNumber(text, fallback) {
  if (text === undefined || text === null || String(text).trim() === '') return fallback;
  return Number(String(text).trim());
}

// The form page receives the session token in its query string: only https, or plain http on
// this machine for development, and never credentials in the URL.
function checkFormUrl(text) {
  if (!text || String(text).trim() === '') return 'is not set';
  let url;
  try {
    url = new URL(String(text).trim());
  } catch {
    return 'is not a URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1')) return null;
  return 'must be an https URL (http only for localhost or 127.0.0.1)';
}

/** Parses `a, app_metadata:b` into `[{ id: 'a', target: 'user_metadata' }, { id: 'b', target: 'app_metadata' }]`. */
function parseFieldList(text) {
  const fields = [];
  if (text === undefined || text === null) return { fields };
  for (const entry of String(text).split(',')) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const isApp = trimmed.startsWith(APP_METADATA_PREFIX);
    const id = isApp ? trimmed.slice(APP_METADATA_PREFIX.length).trim() : trimmed;
    if (!isFieldId(id)) return { problem: 'holds an id that cannot be a metadata key' };
    fields.push({ id, target: isApp ? 'app_metadata' : 'user_metadata' });
  }
  return { fields };
}

function isFieldId(id) {
  return id !== '' && !/[.$\s]/.test(id) && !RESERVED_IDS.includes(id) && id !== SNOOZE_KEY;
}

/** The bare ids of required fields the user lacks: undefined, null, blank text, or an unticked checkbox. */
function findMissingFields(user, requiredFields) {
  const missing = [];
  for (const field of requiredFields) {
    const metadata = (user && user[field.target]) || {};
    const value = Object.prototype.hasOwnProperty.call(metadata, field.id) ? metadata[field.id] : undefined;
    if (isMissingValue(value) && !missing.includes(field.id)) missing.push(field.id);
  }
  return missing;
}

// A required checkbox (terms accepted, say) counts only once ticked, as the server's rules say.
function isMissingValue(value) {
  return value === undefined || value === null || value === false || (typeof value === 'string' && value.trim() === '');
}

/** Whether `app_metadata.progressive_profile_snoozed_until` lies after `now` (epoch milliseconds). */
function isSnoozed(appMetadata, now) {
  const until = appMetadata && appMetadata[SNOOZE_KEY];
  if (typeof until !== 'string') return false;
  const time = Date.parse(until);
  return Number.isFinite(time) && time > now;
}

/** The redirect decision: something missing, the login count reached, not snoozed, and a browser to send. */
function shouldPrompt({ missingFields, loginsCount, loginCount, snoozed, canRedirect }) {
  return missingFields.length > 0 && Number(loginsCount) >= loginCount && !snoozed && canRedirect === true;
}

/** `ada@example.com` → `a***@example.com`; undefined when there is no usable address. */
function maskEmail(email) {
  if (typeof email !== 'string') return undefined;
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  const first = Array.from(email.slice(0, at))[0];
  return `${first}***@${email.slice(at + 1)}`;
}

/**
 * The writes a continue token's `profile` claim may cause: only ids listed in the settings, each
 * only into the metadata its prefix names, only string, finite number or boolean values. Nothing
 * else in the claim is read, so even a server holding the secret cannot set, say, app_metadata.roles.
 */
function pickProfileUpdates(profile, settings) {
  const updates = { user_metadata: {}, app_metadata: {} };
  if (!isPlainObject(profile)) return updates;
  for (const field of settings.requiredFields.concat(settings.optionalFields)) {
    const source = profile[field.target];
    if (!isPlainObject(source) || !Object.prototype.hasOwnProperty.call(source, field.id)) continue;
    const value = source[field.id];
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      updates[field.target][field.id] = value;
    }
  }
  return updates;
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A reason to refuse the verified continue token's claims, or null. Guards against a session token (T1) sent back as is. */
function checkContinueClaims(claims, userId) {
  if (!claims || claims.iss !== CONTINUE_TOKEN_ISSUER) return 'The profile form returned a token from an unexpected issuer.';
  if (claims.sub !== userId) return 'The profile form returned a token for another user.';
  return null;
}

/** The ISO 8601 time `days` after `now` (epoch milliseconds). */
function snoozeUntil(now, days) {
  return new Date(now + days * 24 * 60 * 60 * 1000).toISOString();
}

exports.onExecutePostLogin = async (event, api) => {
  const { settings, problem } = readSettings(event.secrets);
  if (!settings) {
    console.log(`${LOG_PREFIX} not prompting: ${problem}.`);
    return;
  }
  const user = event.user || {};
  const missingFields = findMissingFields(user, settings.requiredFields);
  const prompt = shouldPrompt({
    missingFields,
    loginsCount: event.stats ? event.stats.logins_count : 0,
    loginCount: settings.loginCount,
    snoozed: isSnoozed(user.app_metadata, Date.now()),
    canRedirect: missingFields.length > 0 && api.redirect.canRedirect(),
  });
  if (!prompt) return;

  const payload = { fields: missingFields, jti: crypto.randomUUID() };
  const emailHint = maskEmail(user.email);
  if (emailHint) payload.email_hint = emailHint;
  const sessionToken = api.redirect.encodeToken({
    secret: settings.sessionTokenSecret,
    expiresInSeconds: SESSION_TOKEN_TTL_SECONDS,
    payload,
  });
  api.redirect.sendUserTo(settings.formUrl, { query: { session_token: sessionToken } });
};

exports.onContinuePostLogin = async (event, api) => {
  const { settings, problem } = readSettings(event.secrets);
  if (!settings) {
    // Nothing is written without a verified token; the login itself goes on as it would have.
    console.log(`${LOG_PREFIX} not verifying the profile form's answer: ${problem}.`);
    return;
  }
  let claims;
  try {
    claims = api.redirect.validateToken({ secret: settings.continueTokenSecret, tokenParameterName: 'session_token' });
  } catch (error) {
    console.log(`${LOG_PREFIX} continue token refused: ${error && error.message ? error.message : 'invalid'}`);
    api.access.deny('The profile form returned an invalid or expired token. Please sign in again.');
    return;
  }
  const refusal = checkContinueClaims(claims, event.user.user_id);
  if (refusal) {
    api.access.deny(refusal);
    return;
  }
  if (claims.skipped === true) {
    api.user.setAppMetadata(SNOOZE_KEY, snoozeUntil(Date.now(), settings.snoozeDays));
    return;
  }
  // Without a profile claim the server already wrote through the Management API.
  const updates = pickProfileUpdates(claims.profile, settings);
  for (const [key, value] of Object.entries(updates.user_metadata)) api.user.setUserMetadata(key, value);
  for (const [key, value] of Object.entries(updates.app_metadata)) api.user.setAppMetadata(key, value);
};

// The pure decisions, exported for tests; Auth0 ignores exports other than the handlers.
exports.readSettings = readSettings;
exports.parseFieldList = parseFieldList;
exports.findMissingFields = findMissingFields;
exports.isSnoozed = isSnoozed;
exports.shouldPrompt = shouldPrompt;
exports.maskEmail = maskEmail;
exports.pickProfileUpdates = pickProfileUpdates;
exports.checkContinueClaims = checkContinueClaims;
exports.snoozeUntil = snoozeUntil;
