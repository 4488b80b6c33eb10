// What the login flow does with the pipeline's outcome, over a stub runtime: the metadata an
// extension batched is written when the login completes and when `api.access.deny` ended it
// (Auth0 does not roll it back, reference §1.6), dropped when the extension failed, and kept
// across a redirect until /continue settles the login.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConnections, createDefaultConnections } from '../../demo/emulator/connections.js';
import { createLoginFlow, type LoginFlow } from '../../demo/emulator/login-flow.js';
import type { PostLoginOutcome, PostLoginRuntime, PostLoginTransaction } from '../../demo/emulator/post-login.js';
import { UserStore } from '../../demo/emulator/user-store.js';
import { makeUser } from '../support/management-emulator.js';

const CALLBACK = 'http://127.0.0.1:5173/callback';
const [DATABASE] = resolveConnections(createDefaultConnections());

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A runtime that batches metadata then answers `outcome` (and `onResume` at /continue); `state` is the last login's. */
function stubRuntime(outcome: PostLoginOutcome, onResume: PostLoginOutcome = { kind: 'complete' }): PostLoginRuntime & { state: string } {
  const runtime = {
    state: '',
    async execute(transaction: PostLoginTransaction) {
      runtime.state = transaction.state;
      transaction.pendingMetadata.user_metadata.company_name = 'set before the outcome';
      return outcome;
    },
    async resume(transaction: PostLoginTransaction) {
      transaction.pendingMetadata.app_metadata.plan = 'set at continue';
      return onResume;
    },
  };
  return runtime;
}

async function start(runtime: PostLoginRuntime): Promise<{ users: UserStore; flow: LoginFlow }> {
  const users = new UserStore([makeUser('auth0|ann')]);
  const flow = createLoginFlow({ users, runtime, tenant: () => ({ host: 'tenant', origin: 'http://tenant' }), now: Date.now, lifetimeMs: 60_000 });
  app = Fastify();
  app.get('/go', (request, reply) =>
    flow.run(users.get('auth0|ann')!, { client: { clientId: 'app', callbacks: [CALLBACK] }, redirectUri: CALLBACK, query: {}, connection: DATABASE! }, request, reply, {
      connection: DATABASE!,
    }),
  );
  app.get('/continue', async (request, reply) => (await flow.resume((request.query as { state?: string }).state, request, reply)) ?? reply.code(400).send());
  return { users, flow };
}

async function go(): Promise<URL> {
  const response = await app!.inject({ method: 'GET', url: '/go' });
  expect(response.statusCode).toBe(302);
  return new URL(response.headers.location as string);
}

async function resume(state: string): Promise<URL> {
  const response = await app!.inject({ method: 'GET', url: `/continue?state=${encodeURIComponent(state)}` });
  expect(response.statusCode).toBe(302);
  return new URL(response.headers.location as string);
}

describe('the metadata a login batched', () => {
  it('is written when the login completes', async () => {
    const { users } = await start(stubRuntime({ kind: 'complete' }));
    expect((await go()).searchParams.get('code')).toBeTruthy();
    expect(users.get('auth0|ann')?.user_metadata).toEqual({ company_name: 'set before the outcome' });
  });

  it('is kept when api.access.deny ended the login', async () => {
    const { users } = await start(stubRuntime({ kind: 'failed', error: 'access_denied', description: 'No.', isDenied: true }));
    const callback = await go();
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('No.');
    expect(users.get('auth0|ann')?.user_metadata).toEqual({ company_name: 'set before the outcome' });
  });

  it('is dropped when the extension failed', async () => {
    const { users } = await start(stubRuntime({ kind: 'failed', error: 'access_denied', description: 'An Action failed.' }));
    expect((await go()).searchParams.get('error')).toBe('access_denied');
    expect(users.get('auth0|ann')?.user_metadata).toEqual({});
  });

  it('waits across a redirect, and is all kept when a deny at /continue ends the login', async () => {
    const runtime = stubRuntime({ kind: 'redirect', url: 'http://127.0.0.1:3999/form' }, { kind: 'failed', error: 'access_denied', description: 'No.', isDenied: true });
    const { users } = await start(runtime);
    expect((await go()).origin).toBe('http://127.0.0.1:3999');
    expect(users.get('auth0|ann')?.user_metadata).toEqual({});
    const denied = await resume(runtime.state);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(users.get('auth0|ann')).toMatchObject({ user_metadata: { company_name: 'set before the outcome' }, app_metadata: { plan: 'set at continue' } });
  });
});

describe('a suspended login', () => {
  it('resumes once under its state, then writes the whole batch', async () => {
    const runtime = stubRuntime({ kind: 'redirect', url: 'http://127.0.0.1:3999/form' });
    const { users } = await start(runtime);
    await go();
    expect((await resume(runtime.state)).searchParams.get('code')).toBeTruthy();
    expect(users.get('auth0|ann')).toMatchObject({ user_metadata: { company_name: 'set before the outcome' }, app_metadata: { plan: 'set at continue' } });
    expect((await app!.inject({ method: 'GET', url: `/continue?state=${encodeURIComponent(runtime.state)}` })).statusCode).toBe(400);
  });
});
