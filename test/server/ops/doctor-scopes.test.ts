// The Management API scopes the doctor asks of the server's M2M application, by configuration: the
// server's own list (listRequiredScopes), so the doctor and the server's start-time check agree.
import { describe, expect, it } from 'vitest';
import type { FieldDefinition } from '../../../common/wire.js';
import { listNeededScopes } from '../../../server/ops/doctor/management-api.js';
import { listRequiredScopes } from '../../../server/upstream/management-grant.js';

function field(id: string, type: FieldDefinition['type']): FieldDefinition {
  return { id, label: id, type, required: true, target: 'user_metadata', unique: false };
}

describe('listNeededScopes', () => {
  it('needs read:users and update:users to write metadata', () => {
    expect(listNeededScopes({ form: { fields: [field('company_name', 'text')], allow_skip: false } })).toEqual({
      required: ['read:users', 'update:users'],
      optional: [],
    });
  });

  it('needs create:users and delete:users too, and uses read:connections, when the form links a database identity', () => {
    const form = { fields: [field('company_name', 'text'), field('password', 'password')], allow_skip: false, link_database_identity: { connection: 'db' } };
    expect(listNeededScopes({ form })).toEqual({
      required: ['read:users', 'update:users', 'create:users', 'delete:users'],
      optional: [{ scope: 'read:connections', use: 'to show the connection’s password rules' }],
    });
    expect(listNeededScopes({ form }).required).toEqual(listRequiredScopes(form));
  });
});
