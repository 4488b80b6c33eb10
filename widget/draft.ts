// What the user typed, kept in sessionStorage per user (T1's `sub`) so a reload or a failed
// submit loses nothing. The tab's end clears it; a later form that no longer asks for the fields
// prunes it. Storage failures (private mode, quota, disabled storage) are ignored.

/** Raw input values: strings as typed, booleans for checkboxes. */
export type DraftValues = Record<string, string | boolean>;

const key = (sub: string) => `pp-draft:${sub}`;

/** The saved draft of `sub`, pruned to `ids`; deleted when nothing of it is asked any more. */
export function loadDraft(sub: string, ids: readonly string[]): DraftValues {
  const kept: DraftValues = {};
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(key(sub)) ?? 'null');
    if (!saved || typeof saved !== 'object') return kept;
    for (const id of ids) {
      const value: unknown = (saved as Record<string, unknown>)[id];
      if (typeof value === 'string' || typeof value === 'boolean') kept[id] = value;
    }
    saveDraft(sub, kept);
  } catch {
    // ignored: a draft is a convenience
  }
  return kept;
}

/** Stores `values` for `sub`, or deletes the draft when `values` is empty. */
export function saveDraft(sub: string, values: DraftValues): void {
  try {
    if (Object.keys(values).length === 0) sessionStorage.removeItem(key(sub));
    else sessionStorage.setItem(key(sub), JSON.stringify(values));
  } catch {
    // ignored: a draft is a convenience
  }
}
