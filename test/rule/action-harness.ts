// The Action tests' common ground: seeded users, an injected clock, the Action's console.log
// captured, and logins run through the emulator's Action runtime (the real rule/action.js).
// After each test, no log line may hold a secret, an issued token or a value the test names.
import { jwtVerify, type JWTPayload } from 'jose';
import { afterEach, beforeEach, expect, vi, type MockInstance } from 'vitest';
import { createActionRuntime } from '../../demo/emulator/action-runtime.js';
import type { PostLoginOutcome, PostLoginTransaction } from '../../demo/emulator/post-login.js';
import { createSeedUsers } from '../../demo/emulator/seed-users.js';
import { UserStore } from '../../demo/emulator/user-store.js';
import { CONTINUE_SECRET, SECRETS, SESSION_SECRET, continueRequest, newTransaction, type TransactionOptions } from './support.js';

export type ActionRuntime = ReturnType<typeof createActionRuntime>;

export interface LoginOptions extends TransactionOptions {
  secrets?: Record<string, string>;
}

export interface ActionHarness {
  readonly users: UserStore;
  /** Epoch milliseconds the runtime sees (the Action itself reads Date.now()). */
  clock: number;
  runtimeWith(secrets?: Record<string, string>): ActionRuntime;
  /** A browser login of `userId`: counts the login, then runs onExecutePostLogin. */
  logIn(userId: string, options?: LoginOptions): Promise<{ runtime: ActionRuntime; transaction: PostLoginTransaction; outcome: PostLoginOutcome }>;
  redirectTarget(outcome: PostLoginOutcome): URL;
  /** The verified claims of the session token (T1) in a redirect. */
  sessionClaims(outcome: PostLoginOutcome): Promise<JWTPayload>;
  resume(runtime: ActionRuntime, transaction: PostLoginTransaction, token: string | undefined): Promise<PostLoginOutcome>;
  /** Every line the Action logged in this test. */
  logLines(): string[];
  /** Values that must appear in no log line (submitted values, say). */
  forbidInLogs(...values: string[]): void;
}

export function useActionHarness(): ActionHarness {
  let users: UserStore;
  let logs: MockInstance<typeof console.log>;
  const issuedTokens: string[] = [];
  const forbidden: string[] = [];

  const harness: ActionHarness = {
    get users() {
      return users;
    },
    clock: 0,
    runtimeWith(secrets = SECRETS) {
      return createActionRuntime({ users, secrets, now: () => harness.clock });
    },
    async logIn(userId, options = {}) {
      users.recordLogin(userId);
      const transaction = newTransaction(userId, options);
      const runtime = harness.runtimeWith(options.secrets);
      const outcome = await runtime.execute(transaction);
      if (outcome.kind === 'redirect') {
        const token = new URL(outcome.url).searchParams.get('session_token');
        if (token) issuedTokens.push(token);
      }
      return { runtime, transaction, outcome };
    },
    redirectTarget(outcome) {
      expect(outcome.kind).toBe('redirect');
      return new URL((outcome as { url: string }).url);
    },
    async sessionClaims(outcome) {
      const token = harness.redirectTarget(outcome).searchParams.get('session_token') as string;
      const { payload } = await jwtVerify(token, new TextEncoder().encode(SESSION_SECRET), {
        algorithms: ['HS256'],
        currentDate: new Date(harness.clock),
      });
      return payload;
    },
    async resume(runtime, transaction, token) {
      if (token) issuedTokens.push(token);
      return runtime.resume(transaction, continueRequest(transaction.state, token));
    },
    logLines() {
      return logs.mock.calls.map((call) => call.map(String).join(' '));
    },
    forbidInLogs(...values) {
      forbidden.push(...values);
    },
  };

  beforeEach(() => {
    users = new UserStore(createSeedUsers());
    harness.clock = Date.now();
    logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    const lines = harness.logLines();
    logs.mockRestore();
    for (const line of lines) {
      for (const secret of [SESSION_SECRET, CONTINUE_SECRET, ...issuedTokens, ...forbidden]) expect(line).not.toContain(secret);
    }
    issuedTokens.length = 0;
    forbidden.length = 0;
  });

  return harness;
}
