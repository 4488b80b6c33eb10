// What becomes of the metadata an extension batched, by outcome (reference §1.6).
import { describe, expect, it } from 'vitest';
import { createTransaction, settlePendingMetadata, type PostLoginOutcome } from '../../demo/emulator/post-login.js';
import { UserStore } from '../../demo/emulator/user-store.js';
import { makeUser } from '../support/management-emulator.js';

function batched() {
  const users = new UserStore([makeUser('auth0|ann', { user_metadata: { kept: 1 } })]);
  const transaction = createTransaction({
    userId: 'auth0|ann',
    clientId: 'app',
    protocol: 'oidc-basic-profile',
    state: 'S',
    request: { hostname: 'tenant', ip: '127.0.0.1', query: {}, body: {} },
  });
  transaction.pendingMetadata.user_metadata.company_name = 'Initech';
  return { users, transaction };
}

describe('settlePendingMetadata', () => {
  it.each<[string, PostLoginOutcome, Record<string, unknown>, boolean]>([
    ['a completed login', { kind: 'complete' }, { kept: 1, company_name: 'Initech' }, false],
    ['a deny', { kind: 'failed', error: 'access_denied', description: 'No.', isDenied: true }, { kept: 1, company_name: 'Initech' }, false],
    ['a failed extension', { kind: 'failed', error: 'access_denied', description: 'Failed.' }, { kept: 1 }, false],
    ['a redirect', { kind: 'redirect', url: 'https://form.example/?state=S' }, { kept: 1 }, true],
  ])('after %s writes %j and keeps a batch pending: %s', (_name, outcome, stored, isPending) => {
    const { users, transaction } = batched();
    settlePendingMetadata(users, transaction, outcome);
    expect(users.get('auth0|ann')?.user_metadata).toEqual(stored);
    expect(Object.keys(transaction.pendingMetadata.user_metadata).length > 0).toBe(isPending);
  });
});
