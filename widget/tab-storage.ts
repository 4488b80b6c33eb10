// JSON values in the tab's sessionStorage (never localStorage: nothing here outlives the tab).
// Storage failures (private mode, quota, disabled storage, a value that is not JSON) read as
// nothing and write nothing: what is kept here is a convenience.

/** The value stored under `key`, or undefined. */
export function readTabItem(key: string): any {
  try {
    return JSON.parse(sessionStorage.getItem(key)!) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Stores `value` under `key`; removes the key when `value` is undefined. */
export function writeTabItem(key: string, value?: object): void {
  try {
    if (value) sessionStorage.setItem(key, JSON.stringify(value));
    else sessionStorage.removeItem(key);
  } catch {
    // ignored
  }
}
