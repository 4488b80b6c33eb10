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
 *   PROFILE_FIELDS          comma list of required field ids, in the order they are asked, e.g.
 *                           `company_name,job_title`; prefix an id with `app_metadata:` to keep it
 *                           in app_metadata; a consent is `id@version` (`app_metadata:terms@2026-11`):
 *                           missing until the stored value is {"version": that version, ...}.
 *                           May be left unset when PROFILE_FIELDS_BY_CLIENT or
 *                           PROFILE_DATABASE_CONNECTION says what to ask.
 *   PROFILE_OPTIONAL_FIELDS the same for optional ids: stored when given, never a reason to ask.
 *   PROFILE_FIELDS_BY_CLIENT optional JSON {"client_id": "comma list"}: replaces PROFILE_FIELDS
 *                           for logins to that application.
 *   PROFILE_CLIENTS         optional comma list of client ids to prompt for; unset: every application.
 *   PROFILE_MAX_FIELDS      optional; ask at most this many questions per login, in list order
 *                           (a password with its username is one question); unset: all.
 *   PROFILE_LOGIN_COUNT     ask from this login on (event.stats.logins_count counts the current
 *                           one); default 2, the second time the user logs in.
 *   PROFILE_SNOOZE_DAYS     after "skip", leave the questions asked alone this many days; default 7.
 *   PROFILE_MAX_SKIPS       optional; after this many skips the form offers no skip; unset: unlimited.
 *   PROFILE_DATABASE_CONNECTION optional database connection name: a user with a verified email and
 *                           no identity there is asked for `password` (and `username` when the
 *                           fields list names it), so the form links a database identity.
 *
 * What the Action keeps in app_metadata: progressive_profile_snoozed_until (ISO 8601 time),
 * progressive_profile_snoozed_fields (the questions the snooze covers: field ids, a consent as
 * `id@version`, the account-linking question as `password` and `username`) and
 * progressive_profile_skips (how many times the user skipped).
 *
 * A misconfiguration never locks anyone out: the Action logs one line naming the secret (never
 * its value) and lets the login through. A token that fails verification on /continue denies
 * the login. Each redirect and each continue logs one line with the login's jti, never a token,
 * a secret or a submitted value.
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
const SNOOZE_UNTIL_KEY = 'progressive_profile_snoozed_until';
const SNOOZE_FIELDS_KEY = 'progressive_profile_snoozed_fields';
const SKIPS_KEY = 'progressive_profile_skips';
const APP_METADATA_PREFIX = 'app_metadata:';
const PASSWORD_ID = 'password';
const USERNAME_ID = 'username';
const RESERVED_IDS = ['state', 'session_token', '__proto__', 'constructor', 'prototype', SNOOZE_UNTIL_KEY, SNOOZE_FIELDS_KEY, SKIPS_KEY];
// What a value written from the continue token may be: bounded, so a broken server cannot
// fill the user's profile (Auth0 caps it at 10 kB) or the tenant's logs.
const MAX_TEXT_LENGTH = 1000;
const MAX_LIST_ITEMS = 50;
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CLIENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
// Auth0's connection names: letters and digits, single hyphens between them.
const CONNECTION_PATTERN = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,127}$/;
const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const LANGUAGE_TAG_PATTERN = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;
const JTI_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const LOG_PREFIX = 'progressive-profile:';

/**
 * Reads and checks the Action's secrets. Returns `{ settings }` or `{ problem }`, a sentence
 * naming the secret at fault and never its value. rule/deploy.mjs runs the same checks.
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

  const databaseConnection = readOptionalText(source.PROFILE_DATABASE_CONNECTION);
  if (databaseConnection !== undefined && !CONNECTION_PATTERN.test(databaseConnection)) {
    return { problem: 'PROFILE_DATABASE_CONNECTION is not a connection name (letters, digits and single hyphens)' };
  }
  const required = parseFieldList(source.PROFILE_FIELDS);
  if (required.problem) return { problem: `PROFILE_FIELDS ${required.problem}` };
  const byClient = parseFieldsByClient(source.PROFILE_FIELDS_BY_CLIENT);
  if (byClient.problem) return { problem: `PROFILE_FIELDS_BY_CLIENT ${byClient.problem}` };
  // A list that was written but names nothing is a typo; an unset one is fine when another secret says what to ask.
  const asksElsewhere = byClient.fieldsByClient.size > 0 || databaseConnection !== undefined;
  if (required.fields.length === 0 && (readOptionalText(source.PROFILE_FIELDS) !== undefined || !asksElsewhere)) {
    return { problem: 'PROFILE_FIELDS names no field' };
  }
  const optional = parseFieldList(source.PROFILE_OPTIONAL_FIELDS);
  if (optional.problem) return { problem: `PROFILE_OPTIONAL_FIELDS ${optional.problem}` };
  const clients = parseClientList(source.PROFILE_CLIENTS);
  if (clients.problem) return { problem: `PROFILE_CLIENTS ${clients.problem}` };

  const loginCount = parseNumber(source.PROFILE_LOGIN_COUNT, DEFAULT_LOGIN_COUNT);
  if (!Number.isInteger(loginCount) || loginCount < 0) {
    return { problem: 'PROFILE_LOGIN_COUNT is not a whole number of at least 0' };
  }
  const snoozeDays = parseNumber(source.PROFILE_SNOOZE_DAYS, DEFAULT_SNOOZE_DAYS);
  if (!Number.isFinite(snoozeDays) || snoozeDays <= 0) {
    return { problem: 'PROFILE_SNOOZE_DAYS is not a number above 0' };
  }
  const maxFields = parseNumber(source.PROFILE_MAX_FIELDS, Infinity);
  if (maxFields !== Infinity && (!Number.isInteger(maxFields) || maxFields < 1)) {
    return { problem: 'PROFILE_MAX_FIELDS is not a whole number of at least 1' };
  }
  const maxSkips = parseNumber(source.PROFILE_MAX_SKIPS, Infinity);
  if (maxSkips !== Infinity && (!Number.isInteger(maxSkips) || maxSkips < 0)) {
    return { problem: 'PROFILE_MAX_SKIPS is not a whole number of at least 0' };
  }
  return {
    settings: {
      sessionTokenSecret,
      continueTokenSecret,
      formUrl: source.PROFILE_FORM_URL.trim(),
      requiredFields: required.fields,
      optionalFields: optional.fields,
      fieldsByClient: byClient.fieldsByClient,
      clients: clients.clients,
      maxFields,
      maxSkips,
      loginCount,
      snoozeDays,
      databaseConnection,
    },
  };
}

function byteLength(text) {
  return Buffer.byteLength(String(text), 'utf8');
}

function readOptionalText(text) {
  if (text === undefined || text === null || String(text).trim() === '') return undefined;
  return String(text).trim();
}

function parseNumber(text, fallback) {
  const trimmed = readOptionalText(text);
  return trimmed === undefined ? fallback : Number(trimmed);
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

/**
 * Parses `a, app_metadata:b, app_metadata:terms@2026-11` into
 * `[{ id: 'a', target: 'user_metadata' }, { id: 'b', target: 'app_metadata' }, { id: 'terms', target: 'app_metadata', version: '2026-11' }]`.
 */
function parseFieldList(text) {
  const fields = [];
  if (text === undefined || text === null) return { fields };
  for (const entry of String(text).split(',')) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const isApp = trimmed.startsWith(APP_METADATA_PREFIX);
    const rest = isApp ? trimmed.slice(APP_METADATA_PREFIX.length).trim() : trimmed;
    const at = rest.indexOf('@');
    const id = at === -1 ? rest : rest.slice(0, at).trim();
    const version = at === -1 ? undefined : rest.slice(at + 1).trim();
    if (id === PASSWORD_ID) {
      return { problem: 'lists password, which is never stored in metadata: set PROFILE_DATABASE_CONNECTION to ask for one' };
    }
    if (!isFieldId(id)) return { problem: 'holds an id that cannot be a metadata key' };
    if (version !== undefined && !VERSION_PATTERN.test(version)) {
      return { problem: 'holds a consent version that is not 1 to 64 letters, digits, dots, hyphens or underscores' };
    }
    const field = { id, target: isApp ? 'app_metadata' : 'user_metadata' };
    if (version !== undefined) field.version = version;
    fields.push(field);
  }
  return { fields };
}

function isFieldId(id) {
  return id !== '' && !/[.$@\s]/.test(id) && !RESERVED_IDS.includes(id);
}

/** `{"client_id": "comma list"}` into a Map of client id → parsed field list. */
function parseFieldsByClient(text) {
  const fieldsByClient = new Map();
  const trimmed = readOptionalText(text);
  if (trimmed === undefined) return { fieldsByClient };
  let parsed;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (!isPlainObject(parsed)) return { problem: 'is not a JSON object of {"client_id": "comma list of field ids"}' };
  for (const [clientId, list] of Object.entries(parsed)) {
    if (!CLIENT_ID_PATTERN.test(clientId) || typeof list !== 'string') {
      return { problem: 'is not a JSON object of {"client_id": "comma list of field ids"}' };
    }
    const parsedList = parseFieldList(list);
    if (parsedList.problem) return { problem: parsedList.problem };
    if (parsedList.fields.length === 0) return { problem: 'has an application whose list names no field' };
    fieldsByClient.set(clientId, parsedList.fields);
  }
  return { fieldsByClient };
}

/** A comma list of client ids; `clients: null` when unset (every application is prompted). */
function parseClientList(text) {
  if (readOptionalText(text) === undefined) return { clients: null };
  const clients = String(text)
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (clients.length === 0) return { problem: 'names no client' };
  if (!clients.every((clientId) => CLIENT_ID_PATTERN.test(clientId))) return { problem: 'holds an entry that is not a client id' };
  return { clients };
}

/** The required fields for logins to `clientId`: its PROFILE_FIELDS_BY_CLIENT entry, else PROFILE_FIELDS. */
function requiredFieldsFor(settings, clientId) {
  return settings.fieldsByClient.get(clientId) || settings.requiredFields;
}

/** Whether PROFILE_CLIENTS lets the Action prompt on logins to `clientId`. */
function isPromptedClient(settings, clientId) {
  return settings.clients === null || settings.clients.includes(clientId);
}

/**
 * The questions the user has not answered, in the order the required fields list them. A
 * question is `{ key, fields }`: `fields` the bare ids T1 carries, `key` what a snooze records
 * (the id; a consent's `id@version`; `password` for the account-linking pair, which stands where
 * the list names `username`, else first, and is never split).
 */
function listMissingQuestions(user, requiredFields, databaseConnection) {
  const questions = [];
  const listsUsername = requiredFields.some((field) => field.id === USERNAME_ID);
  const linking = databaseConnection !== undefined && needsDatabaseIdentity(user, databaseConnection);
  const linkQuestion = { key: PASSWORD_ID, fields: listsUsername ? [PASSWORD_ID, USERNAME_ID] : [PASSWORD_ID] };
  if (linking && !listsUsername) questions.push(linkQuestion);
  for (const field of requiredFields) {
    if (databaseConnection !== undefined && field.id === USERNAME_ID) {
      // With a database connection, the username belongs to the database identity: asked with the password only.
      if (linking && !questions.includes(linkQuestion)) questions.push(linkQuestion);
      continue;
    }
    if (!isFieldMissing(user, field) || questions.some((question) => question.fields.includes(field.id))) continue;
    questions.push({ key: field.version === undefined ? field.id : `${field.id}@${field.version}`, fields: [field.id] });
  }
  return questions;
}

/** Whether the user should link a database identity: a verified email and no identity in that connection. */
function needsDatabaseIdentity(user, connection) {
  if (!user || user.email_verified !== true || typeof user.email !== 'string' || user.email === '') return false;
  // Auth0 always lists identities; without the list nothing proves the identity is absent.
  if (!Array.isArray(user.identities)) return false;
  return !user.identities.some((identity) => isPlainObject(identity) && identity.connection === connection);
}

function isFieldMissing(user, field) {
  const metadata = (user && user[field.target]) || {};
  const value = Object.prototype.hasOwnProperty.call(metadata, field.id) ? metadata[field.id] : undefined;
  // A consent counts only for the policy version configured now: a new version asks everyone again.
  if (field.version !== undefined) return !(isPlainObject(value) && value.version === field.version);
  return isMissingValue(value);
}

// A required checkbox (terms accepted, say) counts only once ticked, and a required multiselect
// once it holds an item, as the server's rules say.
function isMissingValue(value) {
  return (
    value === undefined ||
    value === null ||
    value === false ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

/**
 * What the user's snooze covers at `now` (epoch milliseconds): null when there is none or it is
 * over; `{ all: true }` for a revision-1 snooze (no fields list), which covers everything until it
 * ends; else `{ all: false, keys }`, the question keys it covers.
 */
function readSnooze(appMetadata, now) {
  const until = appMetadata && appMetadata[SNOOZE_UNTIL_KEY];
  if (typeof until !== 'string') return null;
  const time = Date.parse(until);
  if (!Number.isFinite(time) || time <= now) return null;
  const fields = appMetadata[SNOOZE_FIELDS_KEY];
  if (!Array.isArray(fields)) return { all: true };
  return { all: false, keys: new Set(fields.filter((key) => typeof key === 'string')) };
}

function isCovered(question, snooze) {
  return snooze !== null && (snooze.all || snooze.keys.has(question.key));
}

/**
 * The questions this login asks: missing for this application, not covered by a snooze, at most
 * PROFILE_MAX_FIELDS of them in list order. Empty when there is nothing to ask.
 */
function findQuestionsToAsk(settings, user, clientId, now) {
  const questions = listMissingQuestions(user, requiredFieldsFor(settings, clientId), settings.databaseConnection);
  const snooze = readSnooze(user && user.app_metadata, now);
  return questions.filter((question) => !isCovered(question, snooze)).slice(0, settings.maxFields);
}

/** The redirect decision: something to ask, the login count reached, an application we prompt for, and a browser to send. */
function shouldPrompt({ questions, loginsCount, loginCount, isClientPrompted, canRedirect }) {
  return questions.length > 0 && Number(loginsCount) >= loginCount && isClientPrompted === true && canRedirect === true;
}

/** How many times the user skipped the form, from app_metadata (0 when unset or not a count). */
function readSkipCount(appMetadata) {
  const count = appMetadata && appMetadata[SKIPS_KEY];
  return Number.isInteger(count) && count >= 0 ? count : 0;
}

function canSkip(settings, appMetadata) {
  return readSkipCount(appMetadata) < settings.maxSkips;
}

/**
 * The metadata a skip writes, or null when the user has no skip left: a snooze of
 * PROFILE_SNOOZE_DAYS covering the questions asked (and those an earlier, still running snooze
 * covers), and the skip count plus one.
 */
function planSkip(settings, user, clientId, now) {
  const appMetadata = (user && user.app_metadata) || {};
  if (!canSkip(settings, appMetadata)) return null;
  const snooze = readSnooze(appMetadata, now);
  const keys = new Set(snooze && !snooze.all ? snooze.keys : []);
  for (const question of findQuestionsToAsk(settings, user, clientId, now)) {
    // The linking pair is recorded as both ids: `password` is the key that covers it.
    for (const key of question.key === PASSWORD_ID ? question.fields : [question.key]) keys.add(key);
  }
  return {
    [SNOOZE_UNTIL_KEY]: snoozeUntil(now, settings.snoozeDays),
    [SNOOZE_FIELDS_KEY]: Array.from(keys),
    [SKIPS_KEY]: readSkipCount(appMetadata) + 1,
  };
}

/**
 * The form's language: the first of the login's `ui_locales`, else the browser's language, as a
 * canonical BCP 47 tag; a candidate that is not a well-formed tag is passed over. Undefined when
 * neither gives one.
 */
function pickLanguage(uiLocales, requestLanguage) {
  const firstLocale = Array.isArray(uiLocales) ? uiLocales[0] : undefined;
  // Browsers send `es-MX,es;q=0.9`; Auth0 may hand the header on as it is.
  const browserLanguage = typeof requestLanguage === 'string' ? requestLanguage.split(',')[0].split(';')[0].trim() : undefined;
  for (const candidate of [firstLocale, browserLanguage]) {
    const tag = canonicalLanguageTag(candidate);
    if (tag) return tag;
  }
  return undefined;
}

function canonicalLanguageTag(text) {
  if (typeof text !== 'string' || text.length > 35 || !LANGUAGE_TAG_PATTERN.test(text)) return undefined;
  try {
    return Intl.getCanonicalLocales(text)[0];
  } catch {
    return undefined;
  }
}

/** `ada@example.com` → `a***@example.com`; undefined when there is no usable address. */
function maskEmail(email) {
  if (typeof email !== 'string') return undefined;
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  const first = Array.from(email.slice(0, at))[0];
  return `${first}***@${email.slice(at + 1)}`;
}

/** The claims T1 carries beside Auth0's own: the ids asked, a random jti, and what the form needs to know. */
function buildSessionTokenPayload({ questions, jti, email, lang, allowSkip }) {
  const payload = { fields: questions.flatMap((question) => question.fields), jti };
  const emailHint = maskEmail(email);
  if (emailHint) payload.email_hint = emailHint;
  if (lang) payload.lang = lang;
  if (!allowSkip) payload.allow_skip = false;
  return payload;
}

/**
 * The writes a continue token's `profile` claim may cause, and the listed ids whose values were
 * refused. Only ids in `fields` (this application's required and optional lists), each only into
 * the metadata its prefix names, and only bounded values (isWritableValue). Nothing else in the
 * claim is read, so even a server holding the secret cannot set, say, app_metadata.roles.
 */
function pickProfileUpdates(profile, fields) {
  const updates = { user_metadata: {}, app_metadata: {} };
  const dropped = [];
  if (!isPlainObject(profile)) return { updates, dropped };
  for (const field of fields) {
    const source = profile[field.target];
    if (!isPlainObject(source) || !Object.prototype.hasOwnProperty.call(source, field.id)) continue;
    if (Object.prototype.hasOwnProperty.call(updates[field.target], field.id)) continue;
    const value = source[field.id];
    if (isWritableValue(value)) updates[field.target][field.id] = value;
    else if (!dropped.includes(field.id)) dropped.push(field.id);
  }
  return { updates, dropped };
}

/**
 * A string of at most 1000 characters, a finite number, a boolean, an array of at most 50 such
 * strings, or a consent record of exactly `{version: string, accepted_at: ISO 8601 time}`.
 */
function isWritableValue(value) {
  if (typeof value === 'string') return isBoundedText(value);
  if (typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.length <= MAX_LIST_ITEMS && value.every((item) => typeof item === 'string' && isBoundedText(item));
  return isConsentRecord(value);
}

function isBoundedText(text) {
  if (text.length <= MAX_TEXT_LENGTH) return true;
  // Characters, not UTF-16 units; anything twice as long cannot fit whatever it holds.
  return text.length <= 2 * MAX_TEXT_LENGTH && Array.from(text).length <= MAX_TEXT_LENGTH;
}

function isConsentRecord(value) {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 2 &&
    typeof value.version === 'string' &&
    value.version !== '' &&
    isBoundedText(value.version) &&
    typeof value.accepted_at === 'string' &&
    ISO_TIME_PATTERN.test(value.accepted_at) &&
    Number.isFinite(Date.parse(value.accepted_at))
  );
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A reason to refuse the verified continue token's claims (`{ code, message }`), or null.
 * Guards against a session token (T1) sent back as is.
 */
function checkContinueClaims(claims, userId) {
  if (!claims || claims.iss !== CONTINUE_TOKEN_ISSUER) {
    return { code: 'wrong_issuer', message: 'The profile form returned a token from an unexpected issuer.' };
  }
  if (claims.sub !== userId) return { code: 'wrong_user', message: 'The profile form returned a token for another user.' };
  return null;
}

/** The ISO 8601 time `days` after `now` (epoch milliseconds). */
function snoozeUntil(now, days) {
  return new Date(now + days * 24 * 60 * 60 * 1000).toISOString();
}

/** A jti fit for a log line: the claim when it is a plain nonce, else `-`. Never more of the token. */
function formatJti(jti) {
  return typeof jti === 'string' && JTI_PATTERN.test(jti) ? jti : '-';
}

/**
 * The jti of the continue token in the request, read without verifying it, only to name the
 * login in the log line of a refused token.
 */
function peekJti(request, parameterName) {
  const params = Object.assign({}, request && request.query, request && request.body);
  const token = params[parameterName];
  if (typeof token !== 'string' || token.length > 8192) return '-';
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] || '', 'base64url').toString('utf8'));
    return formatJti(isPlainObject(claims) ? claims.jti : undefined);
  } catch {
    return '-';
  }
}

function formatReason(text) {
  return String(text).replace(/\s+/g, ' ').slice(0, 160);
}

function logContinue(jti, outcome) {
  console.log(`${LOG_PREFIX} continue jti=${formatJti(jti)} outcome=${outcome}`);
}

exports.onExecutePostLogin = async (event, api) => {
  const { settings, problem } = readSettings(event.secrets);
  if (!settings) {
    console.log(`${LOG_PREFIX} not prompting: ${problem}.`);
    return;
  }
  const user = event.user || {};
  const clientId = event.client ? event.client.client_id : undefined;
  const questions = findQuestionsToAsk(settings, user, clientId, Date.now());
  const isClientPrompted = isPromptedClient(settings, clientId);
  const loginsCount = event.stats ? event.stats.logins_count : 0;
  const prompt = shouldPrompt({
    questions,
    loginsCount,
    loginCount: settings.loginCount,
    isClientPrompted,
    // Asked last: only a login that would be prompted needs to know.
    canRedirect: questions.length > 0 && isClientPrompted && api.redirect.canRedirect(),
  });
  if (!prompt) return;

  const payload = buildSessionTokenPayload({
    questions,
    jti: crypto.randomUUID(),
    email: user.email,
    lang: pickLanguage(event.transaction && event.transaction.ui_locales, event.request && event.request.language),
    allowSkip: canSkip(settings, user.app_metadata),
  });
  const sessionToken = api.redirect.encodeToken({
    secret: settings.sessionTokenSecret,
    expiresInSeconds: SESSION_TOKEN_TTL_SECONDS,
    payload,
  });
  const skipNote = payload.allow_skip === false ? ' allow_skip=false' : '';
  console.log(`${LOG_PREFIX} redirect jti=${payload.jti} fields=${payload.fields.join(',')}${skipNote}`);
  api.redirect.sendUserTo(settings.formUrl, { query: { session_token: sessionToken } });
};

exports.onContinuePostLogin = async (event, api) => {
  const tokenParameterName = 'session_token';
  const { settings, problem } = readSettings(event.secrets);
  if (!settings) {
    // Nothing is written without a verified token; the login itself goes on as it would have.
    logContinue(peekJti(event.request, tokenParameterName), `refused (not configured: ${problem})`);
    return;
  }
  let claims;
  try {
    claims = api.redirect.validateToken({ secret: settings.continueTokenSecret, tokenParameterName });
  } catch (error) {
    const reason = error && error.message ? formatReason(error.message) : 'invalid';
    logContinue(peekJti(event.request, tokenParameterName), `refused (invalid_token: ${reason})`);
    api.access.deny('The profile form returned an invalid or expired token. Please sign in again.');
    return;
  }
  const user = event.user || {};
  const refusal = checkContinueClaims(claims, user.user_id);
  if (refusal) {
    logContinue(claims.jti, `refused (${refusal.code})`);
    api.access.deny(refusal.message);
    return;
  }
  const clientId = event.client ? event.client.client_id : undefined;
  if (claims.skipped === true) {
    const skip = planSkip(settings, user, clientId, Date.now());
    if (!skip) {
      // T1 said allow_skip: false; the login goes on, and the next one asks again.
      logContinue(claims.jti, 'refused (skip_not_allowed)');
      return;
    }
    for (const [key, value] of Object.entries(skip)) api.user.setAppMetadata(key, value);
    logContinue(claims.jti, 'skipped');
    return;
  }
  // Without a profile claim the server already wrote through the Management API.
  const fields = requiredFieldsFor(settings, clientId).concat(settings.optionalFields);
  const { updates, dropped } = pickProfileUpdates(claims.profile, fields);
  for (const [key, value] of Object.entries(updates.user_metadata)) api.user.setUserMetadata(key, value);
  for (const [key, value] of Object.entries(updates.app_metadata)) api.user.setAppMetadata(key, value);
  logContinue(claims.jti, dropped.length > 0 ? `saved dropped=${dropped.join(',')}` : 'saved');
};

// Exported for rule/deploy.mjs, the doctor and the tests (readSettings, parseFieldList, maskEmail);
// Auth0 ignores exports other than the handlers.
exports.readSettings = readSettings;
exports.parseFieldList = parseFieldList;
exports.maskEmail = maskEmail;
