// Where a submit's CPU goes. Two views: (1) the inspector's sampling profiler inside the server
// child during one load run (the real server, real HTTP), broken down by stage, file and function;
// (2) each stage called alone in this process, microseconds per call, for the stages' absolute cost.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { selectFieldsToAsk } from '../common/field-rules.js';
import { createContinueTokenSigner, toProfileClaim } from '../server/tokens/continue-token.js';
import { parseFormDefinition } from '../server/fields/form-definition.js';
import { createMemoryStore } from '../server/store/memory.js';
import { systemClock } from '../server/clock.js';
import { createSessionTokenVerifier } from '../server/tokens/session-token.js';
import { parseSubmittedValues, prepareSubmission } from '../server/fields/values.js';
import { stopAll, type Child } from './children.js';
import { analyzeProfile, type CpuProfile, type ProfileBreakdown } from './cpu-profile.js';
import { runLoad } from './load.js';
import { ACTION_MODE_TENANT, createServerSetup, fieldsFile, issuerOf, startAppChild, startEmulatorChild } from './server-env.js';
import { summarize, type Summary } from './stats.js';
import { BENCH_VALUES, BodyPool, benchUserIds, createTokenMinter } from './tokens.js';

export interface ProfileOptions {
  /** Seconds of profiled load. */
  duration: number;
  warmup: number;
  managementWarmup: number;
  connections: number;
  /** Rounds of the micro-run (each `calls` calls per stage). */
  rounds: number;
  calls: number;
  log: (line: string) => void;
}

export interface StageMicro {
  name: string;
  microsPerCall: Summary;
}

export interface ProfileResult {
  action: ProfileBreakdown & { requestsPerSecond: number };
  management: ProfileBreakdown & { requestsPerSecond: number };
  micro: StageMicro[];
}

const USERS = benchUserIds(1000);

export async function benchProfile(options: ProfileOptions): Promise<ProfileResult> {
  const directory = await mkdtemp(join(tmpdir(), 'pp-bench-profile-'));
  try {
    const action = await profileMode(options, directory, 'action');
    const management = await profileMode(options, directory, 'management');
    const micro = await measureStages(options);
    return { action, management, micro };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function profileMode(
  options: ProfileOptions,
  directory: string,
  mode: 'action' | 'management',
): Promise<ProfileBreakdown & { requestsPerSecond: number }> {
  const setup = createServerSetup();
  const children: Child[] = [];
  try {
    let issuer = ACTION_MODE_TENANT.host;
    let emulatorOrigin: string | undefined;
    if (mode === 'management') {
      const emulator = await startEmulatorChild(setup, `bench:${USERS.length}`);
      children.push(emulator);
      emulatorOrigin = emulator.origin;
      issuer = issuerOf(emulator.origin);
    }
    const server = await startAppChild({ setup, emulatorOrigin, label: `server (${mode}, profiled)` });
    children.push(server);
    const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer, lifetimeSeconds: 600 });
    const pool = new BodyPool();
    pool.refillWhenLow(1000, () => minter.mintBodies(1000, USERS));
    const warmup = mode === 'action' ? options.warmup : options.managementWarmup;
    pool.refill(await minter.mintBodies(warmup, USERS));
    const warm = await runLoad({ origin: server.origin, pool, connections: options.connections, amount: warmup });
    pool.refill(await minter.mintBodies(Math.ceil(warm.requestsPerSecond * options.duration * 1.6) + 1000, USERS));
    await server.startProfile();
    const run = await runLoad({ origin: server.origin, pool, connections: options.connections, duration: options.duration });
    const path = join(directory, `${mode}.cpuprofile`);
    await server.stopProfile(path);
    const breakdown = analyzeProfile(JSON.parse(await readFile(path, 'utf8')) as CpuProfile);
    options.log(`  ${mode}: ${run.requestsPerSecond.toFixed(0)} req/s while profiled, main thread busy ${breakdown.busyMs.toFixed(0)} of ${breakdown.profiledMs.toFixed(0)} ms`);
    return { ...breakdown, requestsPerSecond: run.requestsPerSecond };
  } finally {
    await stopAll(children);
  }
}

/** Each stage alone, awaited one call at a time, as the handler calls it. */
async function measureStages(options: ProfileOptions): Promise<StageMicro[]> {
  const setup = createServerSetup();
  const hosts = [ACTION_MODE_TENANT];
  const verifier = createSessionTokenVerifier({ secret: setup.sessionTokenSecret, hosts, maxSessionTtl: 3600, clock: systemClock });
  const signer = createContinueTokenSigner({ secret: setup.sessionTokenSecret, ttl: 120, clock: systemClock });
  const form = parseFormDefinition(JSON.parse(readFileSync(fieldsFile(), 'utf8')), { hasManagementCredentials: false });
  const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: ACTION_MODE_TENANT.host, lifetimeSeconds: 600 });
  const cryptoKey = await webcrypto.subtle.importKey('raw', Buffer.from(setup.sessionTokenSecret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const { calls, rounds } = options;

  const timings = new Map<string, number[]>();
  const time = async (name: string, call: (index: number) => Promise<unknown> | unknown) => {
    const started = performance.now();
    for (let index = 0; index < calls; index += 1) await call(index);
    const list = timings.get(name) ?? [];
    list.push(((performance.now() - started) * 1000) / calls);
    timings.set(name, list);
  };

  for (let round = 0; round <= rounds; round += 1) {
    const tokens = await minter.mint(calls, USERS);
    const reference = await minter.mint(calls, USERS);
    const store = createMemoryStore();
    const asked = selectFieldsToAsk(form.fields, ['company_name', 'job_title']);
    const { patch } = prepareSubmission(asked, parseSubmittedValues(form, BENCH_VALUES), systemClock);
    await time('verify T1 (the server’s verifier)', (index) => verifier.verify(tokens[index]));
    await time('  for reference: jose jwtVerify with a CryptoKey', (index) =>
      jwtVerify(reference[index], cryptoKey, { algorithms: ['HS256'], requiredClaims: ['sub', 'iss', 'iat', 'exp'] }),
    );
    await time('validate values (parse + rules + patch)', () =>
      prepareSubmission(selectFieldsToAsk(form.fields, ['company_name', 'job_title']), parseSubmittedValues(form, BENCH_VALUES), systemClock),
    );
    await time('single-use store (reserve + commit)', async (index) => {
      const key = `jti:${round}-${index}`;
      await store.reserve(key, 15);
      await store.commit(key, Math.floor(Date.now() / 1000) + 600);
    });
    await time('sign T2 (with the profile claim)', () => signer.sign({ sub: USERS[0], state: 'a-state-of-32-characters-or-so-xx', profile: toProfileClaim(patch) }));
    await time('  for reference: jose SignJWT with a CryptoKey', () =>
      new SignJWT({ state: 'a-state-of-32-characters-or-so-xx', profile: toProfileClaim(patch) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer('progressive-profile')
        .setSubject(USERS[0])
        .setIssuedAt()
        .setExpirationTime('120s')
        .setJti('0123456789abcdefghijkl')
        .sign(cryptoKey),
    );
    await store.close();
    // Round 0 warms the JIT up; it is not reported.
    if (round === 0) for (const list of timings.values()) list.length = 0;
  }
  return [...timings].map(([name, values]) => ({ name, microsPerCall: summarize(values) }));
}
