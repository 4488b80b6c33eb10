/**
 * Progressive Profile as a classic Auth0 Rule — LEGACY.
 *
 * Auth0 stopped running Rules on 18 Nov 2026 (tenants created since 16 Oct 2023 never had them),
 * so no tenant runs this any more: it is kept as the project's history, at its revision-1
 * behaviour (the Action's settings of that revision, in the Rules "Settings" configuration; the
 * same session token for the form and the same checks on the way back; none of the Action's
 * revision-2 features). The post-login Action in rule/action.js is the only supported path.
 *
 * configuration: SESSION_TOKEN_SECRET, CONTINUE_TOKEN_SECRET (optional), PROFILE_FORM_URL,
 * PROFILE_FIELDS, PROFILE_OPTIONAL_FIELDS, PROFILE_LOGIN_COUNT (default 2),
 * PROFILE_SNOOZE_DAYS (default 7). See rule/action.js for their meaning.
 *
 * A Rule is one function; every helper lives inside it. Tokens are HS256 JWTs signed and verified
 * here with node's crypto (no jsonwebtoken needed). On /continue all rules run again with
 * context.protocol === 'redirect-callback'; this one then verifies the token the form POSTed and
 * writes the allowed fields with the restricted `auth0` Management client.
 */
function progressiveProfile(user, context, callback) {
  const crypto = require('crypto');

  const DEFAULT_LOGIN_COUNT = 2;
  const DEFAULT_SNOOZE_DAYS = 7;
  const SESSION_TOKEN_TTL_SECONDS = 600;
  // RFC 8725 §3.5: an HS256 key needs at least as many random bits as the hash (256).
  const MIN_SECRET_BYTES = 32;
  const CONTINUE_TOKEN_ISSUER = 'progressive-profile';
  const SNOOZE_KEY = 'progressive_profile_snoozed_until';
  const APP_METADATA_PREFIX = 'app_metadata:';
  const RESERVED_IDS = ['state', 'session_token', '__proto__', 'constructor', 'prototype'];
  // Back-channel grants have no browser to send anywhere.
  const NO_REDIRECT_PROTOCOLS = [
    'oauth2-resource-owner',
    'oauth2-resource-owner-jwt-bearer',
    'oauth2-password',
    'oauth2-refresh-token',
    'oauth2-device-code',
    'redirect-callback',
  ];

  const request = context.request || {};
  const read = readSettings(typeof configuration === 'object' && configuration ? configuration : {});
  if (!read.settings) {
    // A misconfiguration never locks anyone out.
    console.log('progressive-profile: not prompting: ' + read.problem + '.');
    return callback(null, user, context);
  }
  const settings = read.settings;
  if (context.protocol === 'redirect-callback') return handleContinue();
  return handleLogin();

  function handleLogin() {
    const missingFields = findMissingFields(user, settings.requiredFields);
    const loginsCount = context.stats ? Number(context.stats.loginsCount) : 0;
    const prompt =
      missingFields.length > 0 &&
      loginsCount >= settings.loginCount &&
      !isSnoozed(user.app_metadata, Date.now()) &&
      canRedirect();
    if (!prompt) return callback(null, user, context);

    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: user.user_id,
      iss: bareHost(request.hostname),
      iat: now,
      exp: now + SESSION_TOKEN_TTL_SECONDS,
      ip: request.ip,
      fields: missingFields,
      jti: crypto.randomUUID(),
    };
    const emailHint = maskEmail(user.email);
    if (emailHint) claims.email_hint = emailHint;
    const url = new URL(settings.formUrl);
    url.searchParams.set('session_token', signToken(claims, settings.sessionTokenSecret));
    context.redirect = { url: url.toString() };
    return callback(null, user, context);
  }

  function handleContinue() {
    const body = request.body || {};
    const query = request.query || {};
    const token = body.session_token || query.session_token;
    // Rules allow one redirect per login: without our token, the redirect was another rule's.
    if (!token) return callback(null, user, context);

    const verified = verifyContinueToken(String(token), settings.continueTokenSecret, {
      state: query.state || body.state,
      userId: user.user_id,
      now: Math.floor(Date.now() / 1000),
    });
    if (verified.error) return callback(new UnauthorizedError(verified.error));
    const claims = verified.claims;

    let writes;
    if (claims.skipped === true) {
      const snooze = {};
      snooze[SNOOZE_KEY] = new Date(Date.now() + settings.snoozeDays * 24 * 60 * 60 * 1000).toISOString();
      writes = { user_metadata: {}, app_metadata: snooze };
    } else {
      // Without a profile claim the server already wrote through the Management API.
      writes = pickProfileUpdates(claims.profile);
    }
    return writeMetadata(writes)
      .then(function () {
        callback(null, user, context);
      })
      .catch(function (error) {
        callback(error instanceof Error ? error : new Error('Could not save the profile.'));
      });
  }

  // The restricted client replaces the first level it is given: send the merged object, and
  // never an empty one, which would wipe the user's metadata.
  function writeMetadata(writes) {
    let chain = Promise.resolve();
    if (Object.keys(writes.user_metadata).length > 0) {
      const merged = Object.assign({}, user.user_metadata, writes.user_metadata);
      chain = chain.then(function () {
        return auth0.users.updateUserMetadata(user.user_id, merged);
      }).then(function () {
        user.user_metadata = merged;
      });
    }
    if (Object.keys(writes.app_metadata).length > 0) {
      const merged = Object.assign({}, user.app_metadata, writes.app_metadata);
      chain = chain.then(function () {
        return auth0.users.updateAppMetadata(user.user_id, merged);
      }).then(function () {
        user.app_metadata = merged;
      });
    }
    return chain;
  }

  function canRedirect() {
    if (context.redirect) return false;
    if (NO_REDIRECT_PROTOCOLS.indexOf(context.protocol) !== -1) return false;
    const query = request.query || {};
    return query.prompt !== 'none';
  }

  function readSettings(source) {
    const sessionTokenSecret = source.SESSION_TOKEN_SECRET;
    if (!sessionTokenSecret) return { problem: 'SESSION_TOKEN_SECRET is not set' };
    if (Buffer.byteLength(String(sessionTokenSecret), 'utf8') < MIN_SECRET_BYTES) {
      return { problem: 'SESSION_TOKEN_SECRET is shorter than ' + MIN_SECRET_BYTES + ' bytes' };
    }
    const continueTokenSecret = source.CONTINUE_TOKEN_SECRET || sessionTokenSecret;
    if (Buffer.byteLength(String(continueTokenSecret), 'utf8') < MIN_SECRET_BYTES) {
      return { problem: 'CONTINUE_TOKEN_SECRET is shorter than ' + MIN_SECRET_BYTES + ' bytes' };
    }
    const formUrlProblem = checkFormUrl(source.PROFILE_FORM_URL);
    if (formUrlProblem) return { problem: 'PROFILE_FORM_URL ' + formUrlProblem };
    const required = parseFieldList(source.PROFILE_FIELDS);
    if (required.problem) return { problem: 'PROFILE_FIELDS ' + required.problem };
    if (required.fields.length === 0) return { problem: 'PROFILE_FIELDS names no field' };
    const optional = parseFieldList(source.PROFILE_OPTIONAL_FIELDS);
    if (optional.problem) return { problem: 'PROFILE_OPTIONAL_FIELDS ' + optional.problem };
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
        sessionTokenSecret: String(sessionTokenSecret),
        continueTokenSecret: String(continueTokenSecret),
        formUrl: String(source.PROFILE_FORM_URL).trim(),
        requiredFields: required.fields,
        optionalFields: optional.fields,
        loginCount: loginCount,
        snoozeDays: snoozeDays,
      },
    };
  }

  function parseNumber(text, fallback) {
    if (text === undefined || text === null || String(text).trim() === '') return fallback;
    return Number(String(text).trim());
  }

  function checkFormUrl(text) {
    if (!text || String(text).trim() === '') return 'is not set';
    let url;
    try {
      url = new URL(String(text).trim());
    } catch (error) {
      return 'is not a URL';
    }
    if (url.username || url.password) return 'must not carry credentials';
    if (url.protocol === 'https:') return null;
    if (url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1')) return null;
    return 'must be an https URL (http only for localhost or 127.0.0.1)';
  }

  function parseFieldList(text) {
    const fields = [];
    if (text === undefined || text === null) return { fields: fields };
    const entries = String(text).split(',');
    for (let i = 0; i < entries.length; i += 1) {
      const trimmed = entries[i].trim();
      if (trimmed === '') continue;
      const isApp = trimmed.indexOf(APP_METADATA_PREFIX) === 0;
      const id = isApp ? trimmed.slice(APP_METADATA_PREFIX.length).trim() : trimmed;
      if (id === '' || /[.$\s]/.test(id) || RESERVED_IDS.indexOf(id) !== -1 || id === SNOOZE_KEY) {
        return { problem: 'holds an id that cannot be a metadata key' };
      }
      fields.push({ id: id, target: isApp ? 'app_metadata' : 'user_metadata' });
    }
    return { fields: fields };
  }

  function findMissingFields(profile, requiredFields) {
    const missing = [];
    requiredFields.forEach(function (field) {
      const metadata = profile[field.target] || {};
      const value = Object.prototype.hasOwnProperty.call(metadata, field.id) ? metadata[field.id] : undefined;
      const isMissing =
        value === undefined || value === null || value === false || (typeof value === 'string' && value.trim() === '');
      if (isMissing && missing.indexOf(field.id) === -1) missing.push(field.id);
    });
    return missing;
  }

  function isSnoozed(appMetadata, now) {
    const until = appMetadata && appMetadata[SNOOZE_KEY];
    if (typeof until !== 'string') return false;
    const time = Date.parse(until);
    return Number.isFinite(time) && time > now;
  }

  function maskEmail(email) {
    if (typeof email !== 'string') return undefined;
    const at = email.lastIndexOf('@');
    if (at < 1 || at === email.length - 1) return undefined;
    return Array.from(email.slice(0, at))[0] + '***@' + email.slice(at + 1);
  }

  function bareHost(hostname) {
    return String(hostname || '').replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  }

  // Only listed ids, each into the metadata its prefix names, only scalar values: a server
  // holding the secret still cannot set app_metadata.roles.
  function pickProfileUpdates(profile) {
    const updates = { user_metadata: {}, app_metadata: {} };
    if (!isPlainObject(profile)) return updates;
    settings.requiredFields.concat(settings.optionalFields).forEach(function (field) {
      const source = profile[field.target];
      if (!isPlainObject(source) || !Object.prototype.hasOwnProperty.call(source, field.id)) return;
      const value = source[field.id];
      if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
        updates[field.target][field.id] = value;
      }
    });
    return updates;
  }

  function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  function base64url(buffer) {
    return Buffer.from(buffer).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  }

  function hmac(secret, input) {
    return crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(input).digest();
  }

  function signToken(claims, secret) {
    const header = base64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
    const payload = base64url(Buffer.from(JSON.stringify(claims)));
    return header + '.' + payload + '.' + base64url(hmac(secret, header + '.' + payload));
  }

  function decodePart(part) {
    try {
      const value = JSON.parse(Buffer.from(part, 'base64').toString('utf8'));
      return isPlainObject(value) ? value : null;
    } catch (error) {
      return null;
    }
  }

  // HS256 only (RFC 8725 §3.1): the header's alg is checked, never obeyed.
  function verifyContinueToken(token, secret, expected) {
    const parts = token.split('.');
    if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts.join(''))) {
      return { error: 'The profile form returned a malformed token.' };
    }
    const header = decodePart(parts[0]);
    const claims = decodePart(parts[1]);
    if (!header || !claims) return { error: 'The profile form returned a malformed token.' };
    if (header.alg !== 'HS256' || (header.typ !== undefined && String(header.typ).toUpperCase() !== 'JWT')) {
      return { error: 'The profile form returned a token of an unexpected type.' };
    }
    const signature = Buffer.from(parts[2], 'base64');
    const wanted = hmac(secret, parts[0] + '.' + parts[1]);
    if (signature.length !== wanted.length || !crypto.timingSafeEqual(signature, wanted)) {
      return { error: 'The profile form returned a token with an invalid signature.' };
    }
    if (typeof expected.state !== 'string' || expected.state === '' || claims.state !== expected.state) {
      return { error: 'The profile form returned a token for another login.' };
    }
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
      return { error: 'The profile form returned a token without a lifetime.' };
    }
    if (claims.exp <= expected.now) return { error: 'The profile form returned an expired token. Please sign in again.' };
    if (claims.iss !== CONTINUE_TOKEN_ISSUER) return { error: 'The profile form returned a token from an unexpected issuer.' };
    if (claims.sub !== expected.userId) return { error: 'The profile form returned a token for another user.' };
    return { claims: claims };
  }
}
