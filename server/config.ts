import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { mergeEnv, readEnvFile } from './env-file.js';
import { DEFAULT_FORM } from './fields/default-form.js';
import { FormDefinitionError, parseFormDefinition, type ServerForm } from './fields/form-definition.js';
import { toPrintable } from './fields/printable.js';

/** A host logins may run on: `host` as T1's `iss` names it (with its port, if any), `origin` for /continue. */
export interface TenantHost {
  /** e.g. `acme.eu.auth0.com`, or `127.0.0.1:4010` for a loopback emulator. */
  readonly host: string;
  /** e.g. `https://acme.eu.auth0.com`, or `http://127.0.0.1:4010` for a loopback emulator. */
  readonly origin: string;
}

/** The validated configuration. Built once at start by `loadConfig`; the app never reads the environment. */
export interface Config {
  /** AUTH0_DOMAIN: the tenant. */
  readonly tenant: TenantHost;
  /** AUTH0_CUSTOM_DOMAIN, when set. */
  readonly customDomain?: TenantHost;
  readonly sessionTokenSecret: string;
  /** CONTINUE_TOKEN_SECRET, or SESSION_TOKEN_SECRET when unset. */
  readonly continueTokenSecret: string;
  /** AUTH0_CLIENT_ID + AUTH0_CLIENT_SECRET; undefined means "the Action writes the data". */
  readonly management?: { readonly clientId: string; readonly clientSecret: string };
  readonly form: ServerForm;
  readonly allowedOrigins: readonly string[];
  readonly redisUrl?: string;
  /** Seconds. */
  readonly continueTokenTtl: number;
  /** Seconds. */
  readonly managementApiTimeout: number;
  /** Seconds. */
  readonly maxSessionTtl: number;
  /** Requests per minute per IP on /submit and /skip; 0 = off. */
  readonly rateLimit: number;
  /** Fastify's `trustProxy`: false, a hop count, or a list of proxy addresses. */
  readonly trustProxy: false | number | readonly string[];
  readonly port: number;
  readonly host: string;
  /** VALIDATION_HOOK_URL + VALIDATION_HOOK_SECRET, when set. */
  readonly validationHook?: { readonly url: string; readonly secret: string };
  /** VALIDATION_HOOK_TIMEOUT, seconds: the hook's, or the plugin's `validate` option's. */
  readonly validationHookTimeout: number;
  /** METRICS_PORT: Prometheus metrics at GET /metrics on this port of HOST; undefined: off. */
  readonly metricsPort?: number;
  /** RESTART_URL: where the hosted page's "Sign in again" and "Back to the app" lead; undefined: the page's own default. */
  readonly restartUrl?: string;
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

// RFC 8725 §3.5: an HS256 key needs at least as many bits as the hash output.
const MIN_SECRET_BYTES = 32;
const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost']);
// The hook may also be an IPv6 loopback service (`http://[::1]:PORT`).
const HOOK_LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);
// How much of a bad entry an error message repeats.
const MAX_ECHOED_LENGTH = 60;
// Names proxy-addr (Fastify's trustProxy) accepts besides addresses and CIDR ranges.
const PROXY_ADDRESS_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export interface LoadConfigOptions {
  /** Where `.env` and a relative PROFILE_FIELDS_FILE are looked up; default `process.cwd()`. */
  cwd?: string;
}

/**
 * Validates the environment (plus `.env` in `cwd`; the real environment wins) once, at start.
 * Throws `ConfigError` naming the first bad or missing variable; never echoes a secret.
 */
export function loadConfig(env: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  let fileEnv: Record<string, string>;
  try {
    fileEnv = readEnvFile(cwd);
  } catch {
    throw new ConfigError('.env', 'the file exists but cannot be read');
  }
  const vars = mergeEnv(fileEnv, env);
  const read = (name: string): string | undefined => {
    const value = vars[name]?.trim();
    return value === '' ? undefined : value;
  };

  const domain = read('AUTH0_DOMAIN');
  if (domain === undefined) throw new ConfigError('AUTH0_DOMAIN', 'is required (the tenant host, e.g. acme.eu.auth0.com)');
  const tenant = parseTenantHost('AUTH0_DOMAIN', domain, true);
  const customDomainValue = read('AUTH0_CUSTOM_DOMAIN');
  const customDomain = customDomainValue === undefined ? undefined : parseTenantHost('AUTH0_CUSTOM_DOMAIN', customDomainValue, false);
  if (customDomain && customDomain.host === tenant.host) {
    throw new ConfigError('AUTH0_CUSTOM_DOMAIN', 'is the same host as AUTH0_DOMAIN');
  }

  const sessionTokenSecret = readSecret('SESSION_TOKEN_SECRET', vars.SESSION_TOKEN_SECRET, true);
  const continueTokenSecret = readSecret('CONTINUE_TOKEN_SECRET', vars.CONTINUE_TOKEN_SECRET, false) ?? sessionTokenSecret;

  const clientId = read('AUTH0_CLIENT_ID');
  const clientSecret = vars.AUTH0_CLIENT_SECRET === undefined || vars.AUTH0_CLIENT_SECRET.trim() === '' ? undefined : vars.AUTH0_CLIENT_SECRET;
  if (clientId !== undefined && clientSecret === undefined) {
    throw new ConfigError('AUTH0_CLIENT_SECRET', 'is required when AUTH0_CLIENT_ID is set (set both or neither)');
  }
  if (clientSecret !== undefined && clientId === undefined) {
    throw new ConfigError('AUTH0_CLIENT_ID', 'is required when AUTH0_CLIENT_SECRET is set (set both or neither)');
  }
  const management = clientId !== undefined && clientSecret !== undefined ? { clientId, clientSecret } : undefined;

  const form = readForm(read('PROFILE_FIELDS_FILE'), cwd, management !== undefined);
  const allowedOrigins = parseOrigins(read('ALLOWED_ORIGINS'));
  const redisUrl = parseRedisUrl(read('REDIS_URL'));
  const validationHook = readValidationHook(read('VALIDATION_HOOK_URL'), vars.VALIDATION_HOOK_SECRET);
  const port = parseNumber('PORT', read('PORT'), { fallback: 3000, min: 0, max: 65_535, integer: true });
  const metricsPort = readMetricsPort(read('METRICS_PORT'), port);
  const restartUrl = readRestartUrl(read('RESTART_URL'));

  return {
    tenant,
    customDomain,
    sessionTokenSecret,
    continueTokenSecret,
    management,
    form,
    allowedOrigins,
    redisUrl,
    continueTokenTtl: parseNumber('CONTINUE_TOKEN_TTL', read('CONTINUE_TOKEN_TTL'), { fallback: 120, min: 60, max: 300, integer: true }),
    managementApiTimeout: parseNumber('MANAGEMENT_API_TIMEOUT', read('MANAGEMENT_API_TIMEOUT'), { fallback: 10, min: 0, max: 15, integer: false }),
    maxSessionTtl: parseNumber('MAX_SESSION_TTL', read('MAX_SESSION_TTL'), { fallback: 3600, min: 1, max: 7 * 86_400, integer: true }),
    rateLimit: parseNumber('RATE_LIMIT', read('RATE_LIMIT'), { fallback: 30, min: 0, max: 1_000_000, integer: true }),
    trustProxy: parseTrustProxy(read('TRUST_PROXY')),
    port,
    host: read('HOST') ?? '127.0.0.1',
    validationHook,
    validationHookTimeout: parseNumber('VALIDATION_HOOK_TIMEOUT', read('VALIDATION_HOOK_TIMEOUT'), {
      fallback: 3, min: 0, max: 10, integer: false,
    }),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(restartUrl === undefined ? {} : { restartUrl }),
  };
}

/** The hosts a T1 `iss` may name, in the order they are tried. */
export function listTenantHosts(config: Pick<Config, 'tenant' | 'customDomain'>): TenantHost[] {
  return config.customDomain ? [config.tenant, config.customDomain] : [config.tenant];
}

function parseTenantHost(variable: string, raw: string, allowLoopbackHttp: boolean): TenantHost {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//iu.test(raw);
  if (!hasScheme && raw.includes(':') && !/^[^:/]+:\d+\/?$/u.test(raw)) {
    throw new ConfigError(variable, 'must be a host name such as acme.eu.auth0.com');
  }
  if (/[?#@\s]/u.test(raw)) throw new ConfigError(variable, 'must be a bare host, without query, fragment, credentials or spaces');
  let url: URL;
  try {
    url = new URL(hasScheme ? raw : `https://${raw}`);
  } catch {
    throw new ConfigError(variable, 'must be a host name such as acme.eu.auth0.com');
  }
  if (url.pathname !== '/' || url.hostname === '') throw new ConfigError(variable, 'must be a bare host, without a path');
  if (url.protocol === 'http:') {
    if (!allowLoopbackHttp || !LOOPBACK_HOSTNAMES.has(url.hostname)) {
      throw new ConfigError(
        variable,
        allowLoopbackHttp ? 'plain http is only accepted for 127.0.0.1 or localhost (a local emulator)' : 'must use https',
      );
    }
    return { host: url.host, origin: url.origin };
  }
  if (url.protocol !== 'https:') throw new ConfigError(variable, 'must be an https host');
  return { host: url.host, origin: url.origin };
}

function readSecret(variable: string, raw: string | undefined, required: true): string;
function readSecret(variable: string, raw: string | undefined, required: false): string | undefined;
function readSecret(variable: string, raw: string | undefined, required: boolean): string | undefined {
  if (raw === undefined || raw === '') {
    if (required) throw new ConfigError(variable, `is required (a random secret of at least ${MIN_SECRET_BYTES} bytes)`);
    return undefined;
  }
  if (Buffer.byteLength(raw, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(variable, `must be at least ${MIN_SECRET_BYTES} bytes long (use a random value)`);
  }
  return raw;
}

function readForm(path: string | undefined, cwd: string, hasManagementCredentials: boolean): ServerForm {
  const variable = 'PROFILE_FIELDS_FILE';
  let json: unknown = DEFAULT_FORM;
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, path), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(variable, code === 'ENOENT' ? 'the file does not exist' : 'the file cannot be read');
    }
    try {
      json = JSON.parse(text);
    } catch {
      throw new ConfigError(variable, 'the file is not valid JSON');
    }
  }
  try {
    return parseFormDefinition(json, { hasManagementCredentials });
  } catch (error) {
    if (error instanceof FormDefinitionError) throw new ConfigError(variable, error.message);
    throw error;
  }
}

function parseOrigins(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const origins = new Set<string>();
  for (const entry of raw.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    const isOrigin =
      url !== undefined &&
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.hostname !== '' &&
      url.username === '' &&
      url.password === '' &&
      url.pathname === '/' &&
      !/[?#]/u.test(entry) &&
      !/^[a-z]+:\/\/[^/]+\/./iu.test(entry);
    if (!isOrigin || url === undefined) {
      throw new ConfigError(
        'ALLOWED_ORIGINS',
        `"${toPrintable(entry, MAX_ECHOED_LENGTH)}" is not an origin such as https://app.example.com (scheme, host, optional port; no path; no "*")`,
      );
    }
    origins.add(url.origin);
  }
  return [...origins];
}

function readValidationHook(rawUrl: string | undefined, rawSecret: string | undefined): Config['validationHook'] {
  if (rawUrl === undefined) {
    if (rawSecret !== undefined && rawSecret.trim() !== '') {
      throw new ConfigError('VALIDATION_HOOK_SECRET', 'is set but VALIDATION_HOOK_URL is not (set both, or neither)');
    }
    return undefined;
  }
  const variable = 'VALIDATION_HOOK_URL';
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConfigError(variable, 'must be an https URL such as https://hooks.example.com/profile');
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    throw new ConfigError(variable, 'must not carry credentials or a fragment (the signature authenticates each call)');
  }
  if (url.protocol === 'http:') {
    if (!HOOK_LOOPBACK_HOSTNAMES.has(url.hostname)) throw new ConfigError(variable, 'plain http is only accepted to 127.0.0.1, [::1] or localhost');
  } else if (url.protocol !== 'https:') {
    throw new ConfigError(variable, 'must be an https URL such as https://hooks.example.com/profile');
  }
  const secret = readSecret('VALIDATION_HOOK_SECRET', rawSecret, false);
  if (secret === undefined) {
    throw new ConfigError('VALIDATION_HOOK_SECRET', `is required with VALIDATION_HOOK_URL (a random secret of at least ${MIN_SECRET_BYTES} bytes)`);
  }
  return { url: url.href, secret };
}

/**
 * RESTART_URL: your application's sign-in route, where the hosted page sends a user whose session
 * ended. An https URL (http only on this machine), or a path of the server's own origin.
 */
function readRestartUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const variable = 'RESTART_URL';
  if (raw.startsWith('/') && !raw.startsWith('//')) {
    if (/[\s\u0000-\u001f\\]/u.test(raw)) throw new ConfigError(variable, 'must be a path such as /login or an https URL such as https://app.example.com/login');
    return raw;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, 'must be a path such as /login or an https URL such as https://app.example.com/login');
  }
  if (url.username !== '' || url.password !== '') throw new ConfigError(variable, 'must not carry credentials');
  if (url.protocol === 'http:' && LOOPBACK_HOSTNAMES.has(url.hostname)) return url.href;
  if (url.protocol !== 'https:') throw new ConfigError(variable, 'must be an https URL (http only for 127.0.0.1 or localhost) or a path');
  return url.href;
}

/** METRICS_PORT: a port of its own (Prometheus must know it), never the public one. */
function readMetricsPort(raw: string | undefined, port: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/u.test(raw) || Number(raw) < 1 || Number(raw) > 65_535) {
    throw new ConfigError('METRICS_PORT', 'must be an integer between 1 and 65535 (unset: no metrics)');
  }
  const metricsPort = Number(raw);
  if (metricsPort === port) throw new ConfigError('METRICS_PORT', 'must differ from PORT (metrics are never served on the public port)');
  return metricsPort;
}

function parseRedisUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  return raw;
}

interface NumberRule {
  fallback: number;
  /** Exclusive when 0 and not an integer (a timeout must be positive), inclusive otherwise. */
  min: number;
  max: number;
  integer: boolean;
}

function parseNumber(variable: string, raw: string | undefined, rule: NumberRule): number {
  if (raw === undefined) return rule.fallback;
  const pattern = rule.integer ? /^\d+$/u : /^(\d+(\.\d*)?|\.\d+)$/u;
  const value = Number(raw);
  const isPositiveOnly = !rule.integer && rule.min === 0;
  const isInRange = isPositiveOnly ? value > 0 && value <= rule.max : value >= rule.min && value <= rule.max;
  if (!pattern.test(raw) || !Number.isFinite(value) || !isInRange) {
    const kind = rule.integer ? 'an integer' : 'a number of seconds';
    const range = isPositiveOnly ? `above 0 and at most ${rule.max}` : `between ${rule.min} and ${rule.max}`;
    throw new ConfigError(variable, `must be ${kind} ${range} (default ${rule.fallback})`);
  }
  return value;
}

function parseTrustProxy(raw: string | undefined): false | number | string[] {
  if (raw === undefined) return false;
  if (/^\d+$/u.test(raw)) {
    const hops = Number(raw);
    if (hops > 100) throw new ConfigError('TRUST_PROXY', 'must be a hop count of at most 100, or a comma list of proxy addresses');
    return hops === 0 ? false : hops;
  }
  const addresses = raw.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const address of addresses) {
    const [ip, bits, ...rest] = address.split('/');
    const isAddress =
      PROXY_ADDRESS_NAMES.has(address) ||
      (rest.length === 0 && isIP(ip) !== 0 && (bits === undefined || isPrefixLength(bits, isIP(ip) === 4 ? 32 : 128)));
    if (!isAddress) {
      throw new ConfigError('TRUST_PROXY', 'must be a hop count, or a comma list of proxy IP addresses or CIDR ranges ("true" is not accepted: it would trust any client)');
    }
  }
  if (addresses.length === 0) throw new ConfigError('TRUST_PROXY', 'must be a hop count or a comma list of proxy addresses');
  return addresses;
}

function isPrefixLength(bits: string, max: number): boolean {
  return /^\d{1,3}$/u.test(bits) && Number(bits) <= max;
}
