// The app as the route tests build it: a recording writer, a frozen clock, a tiny widget bundle;
// and the requests and assertions they share.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { jwtVerify } from 'jose';
import { expect } from 'vitest';
import { buildApp, type AppDeps } from '../../../server/app.js';
import type { Config } from '../../../server/config.js';
import { CONTINUE_SECRET, NOW_SECONDS, RecordingLinker, RecordingWriter, frozenClock, mintSessionToken, testConfig, type FrozenClock } from './fixtures.js';

export const WIDGET = 'export const widget = "progressive-profile";\n';
export const VALUES = { company_name: '  Acme  ', job_title: 'CTO' };
const apps: FastifyInstance[] = [];

export interface Setup {
  app: FastifyInstance;
  clock: FrozenClock;
  writer: RecordingWriter;
  linker: RecordingLinker;
}

export function setup(overrides: Partial<Config> = {}, deps: Partial<AppDeps> & { withoutWriter?: boolean } = {}): Setup {
  const clock = frozenClock();
  const writer = new RecordingWriter();
  const linker = new RecordingLinker();
  const { withoutWriter, ...rest } = deps;
  const app = buildApp(testConfig(overrides), {
    clock,
    profileWriter: withoutWriter ? undefined : writer,
    identityLinker: withoutWriter ? undefined : linker,
    widgetScript: WIDGET,
    ...rest,
  });
  apps.push(app);
  return { app, clock, writer, linker };
}

/** Closes every app `setup` built (and any `track`ed); for `afterEach`. */
export async function closeApps(): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => app.close()));
}

/** Closes `app` with the others after the test. */
export function track<T extends FastifyInstance>(app: T): T {
  apps.push(app);
  return app;
}

export function post(app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url, payload: payload as object, headers });
}

export async function submitBody(values: Record<string, unknown> = VALUES, claims: Record<string, unknown> = {}, state = 'state-1') {
  return { state, session_token: await mintSessionToken(claims), values };
}

export function expectError(response: LightMyRequestResponse, status: number, error: string): void {
  expect({ status: response.statusCode, error: response.json().error }).toEqual({ status, error });
  expect(typeof response.json().message).toBe('string');
}

export async function continueClaims(response: LightMyRequestResponse) {
  const { payload } = await jwtVerify(response.json().session_token, new TextEncoder().encode(CONTINUE_SECRET), {
    algorithms: ['HS256'],
    currentDate: new Date(NOW_SECONDS * 1000),
  });
  return payload;
}
