// The emulator's user model: identities (primary first), passwords on database identities only,
// look-ups by email, username and identity, and Auth0's account linking.
import { describe, expect, it } from 'vitest';
import { normalizeUser, toPublicUser, UserStore, type StoredUser } from '../../demo/emulator/user-store.js';
import { makeUser } from '../support/management-emulator.js';

const DATABASE = 'Username-Password-Authentication';

function githubUser(id: string, email: string): StoredUser {
  return normalizeUser(
    makeUser(`github|${id}`, { email, identities: [{ connection: 'github', provider: 'github', user_id: id, isSocial: true }] }),
  );
}

describe('normalizeUser', () => {
  it('derives the identity from user_id and moves the password onto it', () => {
    const user = normalizeUser(makeUser('auth0|ada', { password: 'secret-1' }));
    expect(user).not.toHaveProperty('password');
    expect(user.email_verified).toBe(true);
    expect(user.identities).toEqual([{ connection: DATABASE, provider: 'auth0', user_id: 'ada', isSocial: false, password: 'secret-1' }]);
    expect(normalizeUser(makeUser('github|7')).identities).toEqual([{ connection: 'github', provider: 'github', user_id: '7', isSocial: true }]);
  });

  it('keeps a given email_verified, and puts no password on a social identity', () => {
    const user = normalizeUser({ ...makeUser('github|9'), email_verified: false, password: 'ignored' });
    expect(user.email_verified).toBe(false);
    expect(user.identities).toEqual([{ connection: 'github', provider: 'github', user_id: '9', isSocial: true }]);
    expect(user).not.toHaveProperty('password');
  });
});

describe('UserStore', () => {
  it('finds a database login by email or username, whatever the case, in its connection only', () => {
    const users = new UserStore([makeUser('auth0|ann', { email: 'ann@example.com', username: 'ann_lee' })]);
    expect(users.findDatabaseLogin(DATABASE, 'ANN@example.com')?.user.user_id).toBe('auth0|ann');
    expect(users.findDatabaseLogin(DATABASE, 'Ann_Lee')?.identity.password).toBe('demo-password');
    expect(users.findDatabaseLogin('other-db', 'ann@example.com')).toBeUndefined();
    expect(users.findDatabaseLogin(DATABASE, '')).toBeUndefined();
    expect(users.checkDatabasePassword(DATABASE, 'ann_lee', 'demo-password')?.user.user_id).toBe('auth0|ann');
    expect(users.checkDatabasePassword(DATABASE, 'ann_lee', 'demo-passwore')).toBeUndefined();
    expect(users.checkDatabasePassword(DATABASE, 'ann_lee', undefined)).toBeUndefined();
  });

  it('keeps a stored password when a user is put back without one', () => {
    const users = new UserStore([makeUser('auth0|ann')]);
    const ann = users.get('auth0|ann') as StoredUser;
    users.put({ ...ann, name: 'Ann', identities: ann.identities.map(({ password: _password, ...identity }) => identity) });
    expect(users.get('auth0|ann')?.name).toBe('Ann');
    expect(users.findDatabaseLogin(DATABASE, ann.email)?.identity.password).toBe('demo-password');
  });

  it("links a user as Auth0 does: identities moved with their profile, the secondary's metadata dropped", () => {
    const users = new UserStore([
      githubUser('1', 'kat@example.com'),
      makeUser('auth0|db', { email: 'kat@example.com', username: 'kat', email_verified: true, user_metadata: { lost: true } }),
    ]);
    const changes: Array<[string, boolean]> = [];
    users.onChange((userId, user) => changes.push([userId, user !== undefined]));
    const outcome = users.link('github|1', { provider: 'auth0', user_id: 'db', connection: DATABASE });
    expect(outcome).toMatchObject({ identities: [{ provider: 'github' }, { provider: 'auth0', user_id: 'db', password: 'demo-password' }] });
    expect(users.get('auth0|db')).toBeUndefined();
    const primary = users.get('github|1') as StoredUser;
    expect(primary.user_metadata).toEqual({});
    expect(primary.identities[1]?.profileData).toEqual({ email: 'kat@example.com', email_verified: true, name: 'auth0|db', username: 'kat' });
    expect(changes).toEqual([
      ['auth0|db', false],
      ['github|1', true],
    ]);
    // Its email and username now sign in as the primary.
    expect(users.findDatabaseLogin(DATABASE, 'kat')).toMatchObject({ user: { user_id: 'github|1' }, isPrimary: false });
    expect(users.findByIdentity('auth0', 'db')?.user.user_id).toBe('github|1');
  });

  it('refuses impossible links, changing nothing', () => {
    const users = new UserStore([githubUser('1', 'a@example.com'), makeUser('auth0|db'), makeUser('auth0|other')]);
    expect(users.link('auth0|nobody', { provider: 'auth0', user_id: 'db' })).toEqual({ problem: 'primary_missing' });
    expect(users.link('github|1', { provider: 'auth0', user_id: 'nobody' })).toEqual({ problem: 'secondary_missing' });
    expect(users.link('github|1', { provider: 'github', user_id: '1' })).toEqual({ problem: 'same_user' });
    expect(users.link('github|1', { provider: 'auth0', user_id: 'db', connection: 'other-db' })).toEqual({ problem: 'secondary_missing' });
    expect(users.list()).toHaveLength(3);
    users.link('github|1', { provider: 'auth0', user_id: 'db' });
    expect(users.link('auth0|other', { provider: 'auth0', user_id: 'db' })).toEqual({ problem: 'already_linked' });
  });

  it('creates only new users and deletes known ones', () => {
    const users = new UserStore([makeUser('auth0|ann')]);
    expect(users.create(makeUser('auth0|ann'))).toBe(false);
    expect(users.create(makeUser('auth0|bob'))).toBe(true);
    expect(users.delete('auth0|bob')).toBe(true);
    expect(users.delete('auth0|bob')).toBe(false);
  });
});

describe('toPublicUser', () => {
  it('answers every identity without its password', () => {
    const user = normalizeUser(makeUser('auth0|ann'));
    user.identities.push({ connection: DATABASE, provider: 'auth0', user_id: 'x', isSocial: false, password: 'p', profileData: { email: 'x@example.com' } });
    const answered = toPublicUser(user);
    expect(JSON.stringify(answered)).not.toContain('demo-password');
    expect(answered.identities[1]).toEqual({ connection: DATABASE, provider: 'auth0', user_id: 'x', isSocial: false, profileData: { email: 'x@example.com' } });
  });
});
