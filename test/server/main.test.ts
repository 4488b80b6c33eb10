import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../demo/free-port.js';
import { CLIENT_ID, CLIENT_SECRET, startManagementEmulator } from '../support/management-emulator.js';

const MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));
const SECRET = 'main-test-secret-0123456789-abcdefghijkl';
/** A valid environment for a server that listens on a free port (its tenant need not answer). */
const LISTENING = { AUTH0_DOMAIN: 'http://127.0.0.1:4010', SESSION_TOKEN_SECRET: SECRET, PORT: '0' };
let cwd: string;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'pp-main-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** The start line, once the server logs it. */
function waitForStart(run: ReturnType<typeof start>): Promise<{ port: number; mode: string }> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const line = run.output().stdout.split('\n').find((text) => text.includes('progressive profile server started'));
      if (line) {
        clearInterval(timer);
        resolve(JSON.parse(line));
      }
    }, 50);
    void run.exited.then(() => {
      clearInterval(timer);
      reject(new Error(`exited early: ${run.output().stderr}`));
    });
  });
}

describe('server/main.ts', () => {
  it('stops with one line naming the variable when the configuration is bad', async () => {
    const run = start({ AUTH0_DOMAIN: 'acme.eu.auth0.com', SESSION_TOKEN_SECRET: 'too-short-secret' });
    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    expect(stderr.trim().split('\n')).toEqual(['Configuration error: SESSION_TOKEN_SECRET: must be at least 32 bytes long (use a random value)']);
    expect(stderr).not.toContain('too-short-secret');
  });

  it('listens, answers, logs one startup line without secrets and shuts down on SIGTERM', async () => {
    const run = start(LISTENING);
    const started = await waitForStart(run);
    expect(started.mode).toBe('action-writes');
    const response = await fetch(`http://127.0.0.1:${started.port}/healthz`);
    expect(await response.json()).toEqual({ status: 'ok' });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).not.toContain(SECRET);
    const warning = run.output().stdout.split('\n').filter((line) => line.includes('RESTART_URL'));
    expect(warning).toHaveLength(1);
    expect(JSON.parse(warning[0] as string)).toMatchObject({ level: 40 });
  });

  it('does not warn about RESTART_URL once it is set', async () => {
    const run = start({ ...LISTENING, RESTART_URL: 'https://app.example.com/login' });
    await waitForStart(run);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).not.toContain('RESTART_URL');
  });

  it('serves Prometheus metrics on METRICS_PORT of HOST, counting a submit, and answers 404 for /metrics on the public port', async () => {
    const metricsPort = await findFreePort();
    const run = start({ ...LISTENING, METRICS_PORT: String(metricsPort) });
    const started = await waitForStart(run);
    expect(started).toMatchObject({ metricsPort });
    expect((await fetch(`http://127.0.0.1:${started.port}/metrics`)).status).toBe(404);
    const refused = await fetch(`http://127.0.0.1:${started.port}/submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 's', session_token: 'not.a.token', values: {} }),
    });
    expect(refused.status).toBe(401);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/u);
    const text = await scraped.text();
    expect(text).toContain('progressive_profile_submits_total{outcome="invalid_session"} 1');
    expect(text).toContain('process_resident_memory_bytes');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const answerLine = run.output().stdout.split('\n').find((line) => line.includes('submit answered'));
    expect(JSON.parse(answerLine as string)).toMatchObject({ level: 30, route: '/submit', outcome: 'invalid_session', status: 401 });
  });

  it('starts with one warning line when REDIS_URL cannot be reached, and reports the store in GET /healthz', async () => {
    const closedPort = await findFreePort();
    const run = start({ ...LISTENING, REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    const started = await waitForStart(run);
    const response = await fetch(`http://127.0.0.1:${started.port}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'degraded', store: 'unavailable' });
    const warnings = run.output().stdout.split('\n').filter((line) => line.includes('REDIS_URL'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] as string)).toMatchObject({ level: 40 });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('stops with one line naming the missing scopes when the M2M grant cannot serve a form with unique fields', async () => {
    const emulator = await startManagementEmulator({ scope: 'update:users' });
    try {
      writeFileSync(
        join(cwd, 'fields.json'),
        JSON.stringify({ fields: [{ id: 'badge', label: 'Badge', type: 'text', unique: true, maxLength: 20 }] }),
      );
      const run = start({
        AUTH0_DOMAIN: emulator.origin,
        SESSION_TOKEN_SECRET: SECRET,
        AUTH0_CLIENT_ID: CLIENT_ID,
        AUTH0_CLIENT_SECRET: CLIENT_SECRET,
        PROFILE_FIELDS_FILE: 'fields.json',
        PORT: '0',
      });
      expect(await run.exited).toBe(1);
      const { stderr } = run.output();
      expect(stderr.trim().split('\n')).toEqual([
        'Configuration error: AUTH0_CLIENT_ID: the application\'s Management API grant lacks read:users (this form needs read:users update:users)',
      ]);
      expect(stderr).not.toContain(CLIENT_SECRET);
    } finally {
      await emulator.close();
    }
  });
});
