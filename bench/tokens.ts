// Session tokens (T1) minted the way Auth0's `api.redirect.encodeToken` makes them (HS256, claims
// sub, iss, iat, exp, plus the Action's jti and fields), and the /submit bodies that carry them.
// Each T1 is single use, so every request of a load run needs its own: they are minted ahead.
import { randomBytes, webcrypto } from 'node:crypto';
import { SignJWT } from 'jose';

export const REQUIRED_FIELDS = ['company_name', 'job_title'] as const;
export const BENCH_VALUES = { company_name: 'Acme Widgets Ltd', job_title: 'Platform engineer', team_size: '11-50', newsletter: true };
const MINT_BATCH = 500;

export interface TokenMinterOptions {
  secret: string;
  /** T1's `iss`: the tenant's bare host with its port, e.g. `127.0.0.1:4010`. */
  issuer: string;
  /** Seconds between `iat` and `exp` (the Action uses 600). */
  lifetimeSeconds: number;
}

export interface TokenMinter {
  /** Mints `count` distinct T1s for the given user ids (cycled), all with `iat` = now. */
  mint(count: number, subs: readonly string[]): Promise<string[]>;
  /** Mints `count` /submit bodies (JSON text), each with its own T1 and state. */
  mintBodies(count: number, subs: readonly string[], values?: (index: number) => Record<string, unknown>): Promise<string[]>;
}

export async function createTokenMinter(options: TokenMinterOptions): Promise<TokenMinter> {
  // A CryptoKey, imported once: jose turns a KeyObject into one on every call, which costs more
  // than the HMAC itself (see the stage micro-run).
  const key = await webcrypto.subtle.importKey('raw', Buffer.from(options.secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  let counter = 0;

  const mint = async (count: number, subs: readonly string[]): Promise<string[]> => {
    const tokens: string[] = [];
    for (let start = 0; start < count; start += MINT_BATCH) {
      const size = Math.min(MINT_BATCH, count - start);
      const iat = Math.floor(Date.now() / 1000);
      const batch = await Promise.all(
        Array.from({ length: size }, () => {
          const sub = subs[counter++ % subs.length];
          return new SignJWT({ fields: [...REQUIRED_FIELDS], jti: randomBytes(16).toString('base64url') })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
            .setSubject(sub)
            .setIssuer(options.issuer)
            .setIssuedAt(iat)
            .setExpirationTime(iat + options.lifetimeSeconds)
            .sign(key);
        }),
      );
      tokens.push(...batch);
    }
    return tokens;
  };

  return {
    mint,
    async mintBodies(count, subs, values = () => BENCH_VALUES) {
      const tokens = await mint(count, subs);
      return tokens.map((token, index) => toSubmitBody(token, values(index)));
    },
  };
}

export function toSubmitBody(sessionToken: string, values: Record<string, unknown> = BENCH_VALUES): string {
  return JSON.stringify({ state: randomBytes(24).toString('base64url'), session_token: sessionToken, values });
}

/** Hands out pre-minted bodies one by one; counts the requests that found the pool empty. */
export class BodyPool {
  #bodies: string[] = [];
  #next = 0;
  #isCycling = false;
  #refill?: { lowWater: number; mint: () => Promise<string[]>; isMinting: boolean };
  /** Requests built with a reused body (a replayed T1: answered 409, if sent) because the pool ran dry. */
  exhausted = 0;
  /** Bodies minted during a run because the pool ran low (the run's estimate was short). */
  mintedWhileRunning = 0;

  /** A pool that starts over when it runs out (for the bare route, which checks no token). */
  static cycling(bodies: string[]): BodyPool {
    const pool = new BodyPool();
    pool.#bodies = bodies;
    pool.#isCycling = true;
    return pool;
  }

  get remaining(): number {
    return this.#bodies.length - this.#next;
  }

  refill(bodies: string[]): void {
    this.#bodies = this.#bodies.slice(this.#next).concat(bodies);
    this.#next = 0;
  }

  /**
   * Mints more in the background whenever fewer than `lowWater` bodies are left: a safety net for
   * a run faster than its estimate (minting then shares this process's CPU with autocannon).
   */
  refillWhenLow(lowWater: number, mint: () => Promise<string[]>): void {
    this.#refill = { lowWater, mint, isMinting: false };
  }

  take(): string {
    const refill = this.#refill;
    if (refill && !refill.isMinting && this.remaining < refill.lowWater) {
      refill.isMinting = true;
      void refill.mint().then((bodies) => {
        this.#bodies.push(...bodies);
        this.mintedWhileRunning += bodies.length;
        refill.isMinting = false;
      });
    }
    if (this.#next < this.#bodies.length) return this.#bodies[this.#next++];
    if (this.#isCycling && this.#bodies.length > 0) {
      this.#next = 1;
      return this.#bodies[0];
    }
    this.exhausted += 1;
    return this.#bodies[this.#bodies.length - 1] ?? '{}';
  }
}

export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `count` user ids of the bench's emulated users. */
export function benchUserIds(count: number, prefix = 'bench'): string[] {
  return Array.from({ length: count }, (_, index) => `auth0|${prefix}-${String(index).padStart(5, '0')}`);
}
