import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

const SECRET = 's'.repeat(32);
let cwd: string;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'pp-config-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

function load(env: Record<string, string | undefined>) {
  return loadConfig({ AUTH0_DOMAIN: 'acme.eu.auth0.com', SESSION_TOKEN_SECRET: SECRET, ...env }, { cwd });
}

function refusal(env: Record<string, string | undefined>): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('loadConfig', () => {
  it('accepts the two required variables and fills in every default', () => {
    const config = load({});
    expect(config).toMatchObject({
      tenant: { host: 'acme.eu.auth0.com', origin: 'https://acme.eu.auth0.com' },
      customDomain: undefined,
      sessionTokenSecret: SECRET,
      continueTokenSecret: SECRET,
      management: undefined,
      allowedOrigins: [],
      redisUrl: undefined,
      continueTokenTtl: 120,
      managementApiTimeout: 10,
      maxSessionTtl: 3600,
      rateLimit: 30,
      trustProxy: false,
      port: 3000,
      host: '127.0.0.1',
      validationHook: undefined,
      validationHookTimeout: 3,
    });
    expect(config.form.fields.map((field) => field.id)).toEqual(['company_name', 'job_title']);
    expect(config.form.allow_skip).toBe(false);
  });

  it('builds the default form with English and Spanish labels and autocomplete hints', () => {
    const [company, job] = load({}).form.fields;
    expect(company).toEqual({
      id: 'company_name', label: { en: 'Company', es: 'Empresa' }, type: 'text', required: true,
      maxLength: 100, autocomplete: 'organization', target: 'user_metadata', unique: false,
    });
    expect(job).toMatchObject({ label: { en: 'Job title', es: 'Cargo' }, autocomplete: 'organization-title', required: true });
  });

  it.each([
    ['https://acme.eu.auth0.com/', 'acme.eu.auth0.com', 'https://acme.eu.auth0.com'],
    ['acme.eu.auth0.com/', 'acme.eu.auth0.com', 'https://acme.eu.auth0.com'],
    ['ACME.eu.auth0.com', 'acme.eu.auth0.com', 'https://acme.eu.auth0.com'],
    ['http://127.0.0.1:4010', '127.0.0.1:4010', 'http://127.0.0.1:4010'],
    ['http://localhost:4010/', 'localhost:4010', 'http://localhost:4010'],
  ])('reads AUTH0_DOMAIN %s as host %s', (value, host, origin) => {
    expect(load({ AUTH0_DOMAIN: value }).tenant).toEqual({ host, origin });
  });

  it.each([
    ['missing', undefined],
    ['plain http to a public host', 'http://acme.eu.auth0.com'],
    ['a path', 'https://acme.eu.auth0.com/login'],
    ['a query', 'acme.eu.auth0.com?x=1'],
    ['credentials', 'https://user:pw@acme.eu.auth0.com'],
    ['another scheme', 'ftp://acme.eu.auth0.com'],
  ])('refuses AUTH0_DOMAIN with %s', (_case, value) => {
    expect(refusal({ AUTH0_DOMAIN: value }).variable).toBe('AUTH0_DOMAIN');
  });

  it('accepts a custom domain beside the tenant and refuses it over http', () => {
    expect(load({ AUTH0_CUSTOM_DOMAIN: 'https://login.acme.com/' }).customDomain).toEqual({
      host: 'login.acme.com', origin: 'https://login.acme.com',
    });
    expect(refusal({ AUTH0_CUSTOM_DOMAIN: 'http://localhost:4010' }).variable).toBe('AUTH0_CUSTOM_DOMAIN');
  });

  it('refuses a missing or short SESSION_TOKEN_SECRET, counting UTF-8 bytes, without echoing it', () => {
    expect(refusal({ SESSION_TOKEN_SECRET: undefined }).variable).toBe('SESSION_TOKEN_SECRET');
    const short = refusal({ SESSION_TOKEN_SECRET: 'tiny-secret-value' });
    expect(short.variable).toBe('SESSION_TOKEN_SECRET');
    expect(short.message).not.toContain('tiny-secret-value');
    // 16 two-byte characters are 32 bytes: enough.
    expect(load({ SESSION_TOKEN_SECRET: 'é'.repeat(16) }).sessionTokenSecret).toBe('é'.repeat(16));
  });

  it('signs continue tokens with CONTINUE_TOKEN_SECRET when set and refuses a short one', () => {
    expect(load({ CONTINUE_TOKEN_SECRET: 'c'.repeat(40) }).continueTokenSecret).toBe('c'.repeat(40));
    expect(refusal({ CONTINUE_TOKEN_SECRET: 'short' }).variable).toBe('CONTINUE_TOKEN_SECRET');
  });

  it('needs both management credentials or neither, and never echoes the client secret', () => {
    expect(load({ AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'hunter2-secret' }).management).toEqual({
      clientId: 'id', clientSecret: 'hunter2-secret',
    });
    expect(refusal({ AUTH0_CLIENT_ID: 'id' }).variable).toBe('AUTH0_CLIENT_SECRET');
    const error = refusal({ AUTH0_CLIENT_SECRET: 'hunter2-secret' });
    expect(error.variable).toBe('AUTH0_CLIENT_ID');
    expect(error.message).not.toContain('hunter2');
  });

  it.each([
    ['CONTINUE_TOKEN_TTL', '59'], ['CONTINUE_TOKEN_TTL', '301'], ['CONTINUE_TOKEN_TTL', '90.5'],
    ['MANAGEMENT_API_TIMEOUT', '0'], ['MANAGEMENT_API_TIMEOUT', '16'], ['MANAGEMENT_API_TIMEOUT', 'ten'],
    ['MAX_SESSION_TTL', '0'], ['MAX_SESSION_TTL', '-5'],
    ['RATE_LIMIT', '-1'], ['RATE_LIMIT', '1e3'],
    ['PORT', '65536'], ['PORT', 'http'],
    ['TRUST_PROXY', 'true'], ['TRUST_PROXY', '10.0.0.1,not-an-ip'], ['TRUST_PROXY', '10.0.0.0/33'],
    ['ALLOWED_ORIGINS', '*'], ['ALLOWED_ORIGINS', 'https://app.example.com/path'], ['ALLOWED_ORIGINS', 'app.example.com'],
    ['ALLOWED_ORIGINS', 'https://app.example.com?x'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['VALIDATION_HOOK_TIMEOUT', '0'], ['VALIDATION_HOOK_TIMEOUT', '11'], ['VALIDATION_HOOK_TIMEOUT', 'soon'],
    ['METRICS_PORT', '0'], ['METRICS_PORT', '65536'], ['METRICS_PORT', '9090.5'], ['METRICS_PORT', 'metrics'],
  ])('names %s when it is %s', (variable, value) => {
    const error = refusal({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('reads the optional numbers, origins and proxy settings', () => {
    const config = load({
      CONTINUE_TOKEN_TTL: '300', MANAGEMENT_API_TIMEOUT: '0.5', MAX_SESSION_TTL: '900', RATE_LIMIT: '0',
      PORT: '8080', HOST: '0.0.0.0', REDIS_URL: 'redis://127.0.0.1:6379',
      ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173/, https://APP.example.com:443',
    });
    expect(config).toMatchObject({
      continueTokenTtl: 300, managementApiTimeout: 0.5, maxSessionTtl: 900, rateLimit: 0, port: 8080, host: '0.0.0.0',
      redisUrl: 'redis://127.0.0.1:6379', allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
    });
    expect(load({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(load({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback' }).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', 'loopback']);
  });

  it('serves metrics on METRICS_PORT only when it is set, and never on PORT', () => {
    expect(load({}).metricsPort).toBeUndefined();
    expect(load({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(load({ PORT: '0', METRICS_PORT: '9464' })).toMatchObject({ port: 0, metricsPort: 9464 });
    const error = refusal({ PORT: '8080', METRICS_PORT: '8080' });
    expect(error.message).toBe('METRICS_PORT: must differ from PORT (metrics are never served on the public port)');
    expect(refusal({ METRICS_PORT: '3000' }).variable).toBe('METRICS_PORT');
  });

  it('reads .env in the working directory, the real environment winning', () => {
    writeFileSync(join(cwd, '.env'), `AUTH0_DOMAIN=from-file.auth0.com\nRATE_LIMIT=7\nPORT=4000\n`);
    const config = loadConfig({ SESSION_TOKEN_SECRET: SECRET, PORT: '5000' }, { cwd });
    expect(config.tenant.host).toBe('from-file.auth0.com');
    expect(config.rateLimit).toBe(7);
    expect(config.port).toBe(5000);
  });

  it('reads and validates PROFILE_FIELDS_FILE relative to the working directory', () => {
    writeFileSync(join(cwd, 'fields.json'), JSON.stringify({ fields: [{ id: 'team', label: 'Team', type: 'text' }], allow_skip: true }));
    const config = load({ PROFILE_FIELDS_FILE: 'fields.json' });
    expect(config.form).toEqual({
      fields: [{ id: 'team', label: 'Team', type: 'text', required: false, target: 'user_metadata', unique: false }],
      allow_skip: true,
    });
  });

  it.each([
    ['a missing file', null],
    ['a file that is not JSON', '{"fields": ['],
    ['a field that breaks the rules', JSON.stringify({ fields: [{ id: 'a.b', label: 'A', type: 'text' }] })],
    ['a unique field without management credentials', JSON.stringify({ fields: [{ id: 'badge', label: 'Badge', type: 'text', unique: true }] })],
  ])('names PROFILE_FIELDS_FILE for %s', (_case, content) => {
    if (content !== null) writeFileSync(join(cwd, 'fields.json'), content);
    const error = refusal({ PROFILE_FIELDS_FILE: 'fields.json' });
    expect(error.variable).toBe('PROFILE_FIELDS_FILE');
    expect(error.message).not.toContain('\n');
  });

  it('names the bad ALLOWED_ORIGINS entry, printable and truncated', () => {
    const error = refusal({ ALLOWED_ORIGINS: 'https://ok.example.com, https://app.example.com/callback' });
    expect(error.message).toMatch(/^ALLOWED_ORIGINS: "https:\/\/app\.example\.com\/callback" is not an origin/);
    const long = refusal({ ALLOWED_ORIGINS: `https://${'a'.repeat(100)}.example.com/path` });
    expect(long.message).toContain(`"https://${'a'.repeat(52)}…"`);
    expect(refusal({ ALLOWED_ORIGINS: 'https://a\u0007b.example.com' }).message).toContain('"https://a?b.example.com"');
  });

  it('reads the validation hook: an https URL or http to loopback, a secret of 32 bytes, a timeout of at most 10 s', () => {
    const secret = 'h'.repeat(32);
    expect(load({ VALIDATION_HOOK_URL: 'https://hooks.example.com/profile?site=1', VALIDATION_HOOK_SECRET: secret, VALIDATION_HOOK_TIMEOUT: '2.5' })).toMatchObject({
      validationHook: { url: 'https://hooks.example.com/profile?site=1', secret },
      validationHookTimeout: 2.5,
    });
    for (const url of ['http://127.0.0.1:4000/hook', 'http://localhost:4000/hook', 'http://[::1]:4000/hook']) {
      expect(load({ VALIDATION_HOOK_URL: url, VALIDATION_HOOK_SECRET: secret }).validationHook?.url).toBe(url);
    }
    expect(load({ VALIDATION_HOOK_TIMEOUT: '10' }).validationHookTimeout).toBe(10);
  });

  it.each([
    ['plain http to another host', { VALIDATION_HOOK_URL: 'http://hooks.example.com/v', VALIDATION_HOOK_SECRET: 'h'.repeat(32) }, 'VALIDATION_HOOK_URL', /only accepted to 127\.0\.0\.1/],
    ['not a URL', { VALIDATION_HOOK_URL: 'hooks.example.com', VALIDATION_HOOK_SECRET: 'h'.repeat(32) }, 'VALIDATION_HOOK_URL', /https URL/],
    ['another scheme', { VALIDATION_HOOK_URL: 'ftp://hooks.example.com/v', VALIDATION_HOOK_SECRET: 'h'.repeat(32) }, 'VALIDATION_HOOK_URL', /https URL/],
    ['credentials in the URL', { VALIDATION_HOOK_URL: 'https://user:pw@hooks.example.com/v', VALIDATION_HOOK_SECRET: 'h'.repeat(32) }, 'VALIDATION_HOOK_URL', /credentials/],
    ['a URL without a secret', { VALIDATION_HOOK_URL: 'https://hooks.example.com/v' }, 'VALIDATION_HOOK_SECRET', /required with VALIDATION_HOOK_URL/],
    ['a short secret', { VALIDATION_HOOK_URL: 'https://hooks.example.com/v', VALIDATION_HOOK_SECRET: 'short-hook-secret' }, 'VALIDATION_HOOK_SECRET', /at least 32 bytes/],
    ['a secret without a URL', { VALIDATION_HOOK_SECRET: 'h'.repeat(32) }, 'VALIDATION_HOOK_SECRET', /VALIDATION_HOOK_URL is not/],
  ])('refuses a validation hook with %s, naming the variable on one line', (_case, env, variable, message) => {
    const error = refusal(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('short-hook-secret');
  });

  it('names the variables a password field needs when the M2M credentials are missing', () => {
    writeFileSync(
      join(cwd, 'fields.json'),
      JSON.stringify({ fields: [{ id: 'password', label: 'Password', type: 'password', required: true }], link_database_identity: { connection: 'db' } }),
    );
    const error = refusal({ PROFILE_FIELDS_FILE: 'fields.json' });
    expect(error.variable).toBe('PROFILE_FIELDS_FILE');
    expect(error.message).toMatch(/field "password": account linking needs AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET/);
  });
});

describe('RESTART_URL', () => {
  it('takes an https URL or a path of the server, and http only on this machine', () => {
    expect(load({ RESTART_URL: 'https://app.example.com/login' }).restartUrl).toBe('https://app.example.com/login');
    expect(load({ RESTART_URL: '/login?back=1' }).restartUrl).toBe('/login?back=1');
    expect(load({ RESTART_URL: 'http://127.0.0.1:8080/login' }).restartUrl).toBe('http://127.0.0.1:8080/login');
    expect(load({}).restartUrl).toBeUndefined();
  });

  it.each([
    ['http://app.example.com/login', /https URL \(http only for 127\.0\.0\.1 or localhost\)/],
    ['javascript:alert(1)', /https URL/],
    ['//evil.example/login', /a path such as \/login/],
    ['app.example.com/login', /a path such as \/login/],
    ['https://user:pass@app.example.com/', /credentials/],
  ])('refuses %s, naming RESTART_URL', (value, problem) => {
    expect(() => load({ RESTART_URL: value })).toThrow(problem);
    expect(() => load({ RESTART_URL: value })).toThrow(/^RESTART_URL: /);
  });
});
