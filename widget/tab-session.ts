// The login this tab is in: `state` and the session token (T1), kept in sessionStorage while T1
// lives, so a reload of the form page (whose address bar no longer holds them) still works. Never
// localStorage, never past T1's `exp`; after a success only a mark that the form is finished, so
// Back or a reload shows that rather than a dead end. When storage fails, a reload shows "Open
// this page from the sign-in." with a way out, as before.
import { readTabItem, writeTabItem } from './tab-storage.js';

export interface TabSession {
  state: string;
  token: string;
}

const KEY = 'pp-session';

/**
 * Keeps the session until `exp` (Unix seconds): removed then, or read as nothing past it. A session
 * already expired, or without `exp`, is not kept, and replaces whatever the tab kept before.
 */
export function keepSession(session: TabSession, exp: number): void {
  const ms = exp * 1000 - Date.now();
  if (!(ms > 0)) return writeTabItem(KEY);
  writeTabItem(KEY, { ...session, exp });
  setTimeout(() => {
    if (readTabItem(KEY)?.token === session.token) writeTabItem(KEY);
  }, Math.min(ms, 2 ** 31 - 1));
}

/** The kept session while T1 lives, `finished` after a success, else undefined. */
export function recallSession(): TabSession | 'finished' | undefined {
  const saved = readTabItem(KEY);
  if (saved?.finished === true) return 'finished';
  if (typeof saved?.state === 'string' && typeof saved.token === 'string' && saved.exp * 1000 > Date.now()) {
    return { state: saved.state, token: saved.token };
  }
  writeTabItem(KEY);
}

/** Forgets the session; `finished` leaves the mark that this tab's form was completed. */
export function forgetSession(finished = false): void {
  writeTabItem(KEY, finished ? { finished } : undefined);
}
