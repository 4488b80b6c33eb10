// The tenant's login sessions (Auth0's SSO session: a cookie on the tenant's origin, so a later
// /authorize skips the login page) and the expiring map that also holds the login side's pending
// pages, suspended logins and codes. A session reused is not a new login: it runs the post-login
// pipeline again but adds nothing to `logins_count` (reference §1.6).
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'pp_emulator_session';
const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;

/** A map whose entries expire; entries are inserted with one lifetime, so the oldest expire first. */
export class ExpiringMap<T extends { expiresAt: number }> {
  readonly #entries = new Map<string, T>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  set(key: string, value: T): void {
    for (const [oldKey, old] of this.#entries) {
      if (old.expiresAt > this.#now()) break;
      this.#entries.delete(oldKey);
    }
    this.#entries.delete(key);
    this.#entries.set(key, value);
  }

  /** The live entry under `key`, removed when `isTaken` (single use). */
  get(key: string | undefined, isTaken = false): T | undefined {
    if (typeof key !== 'string' || key === '') return undefined;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (isTaken || entry.expiresAt <= this.#now()) this.#entries.delete(key);
    return entry.expiresAt > this.#now() ? entry : undefined;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** Unguessable: 256 random bits. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Who a session signed in, and with which connection (`event.connection` when it is reused). */
export interface Session {
  readonly userId: string;
  readonly connection: string;
}

export interface Sessions {
  /** Starts a session and sets its cookie on `reply`. */
  start(session: Session, reply: FastifyReply): void;
  /** The request's live session, if any. */
  of(request: FastifyRequest): Session | undefined;
  /** Ends the request's session and clears its cookie. */
  end(request: FastifyRequest, reply: FastifyReply): void;
}

export function createSessions(now: () => number): Sessions {
  const sessions = new ExpiringMap<Session & { expiresAt: number }>(now);
  return {
    start(session, reply) {
      const sessionId = randomToken();
      sessions.set(sessionId, { userId: session.userId, connection: session.connection, expiresAt: now() + SESSION_LIFETIME_MS });
      reply.header('set-cookie', `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax`);
    },
    of(request) {
      const session = sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE));
      return session && { userId: session.userId, connection: session.connection };
    },
    end(request, reply) {
      const sessionId = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (sessionId) sessions.delete(sessionId);
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    },
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
