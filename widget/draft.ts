// What the user typed, kept in sessionStorage per user (T1's `sub`) so a reload or a failed
// submit loses nothing. The tab's end clears it; a later form that no longer asks for the fields
// prunes it. The element never hands it a password.
import { readTabItem, writeTabItem } from './tab-storage.js';

/**
 * Raw input values: strings as typed, booleans for checkboxes and consents, the chosen option
 * values of a multiselect, `[country, number]` for a phone field.
 */
export type DraftValues = Record<string, string | boolean | string[]>;

const key = (sub: string) => `pp-draft:${sub}`;

/** The saved draft of `sub`, pruned to `ids`; deleted when nothing of it is asked any more. */
export function loadDraft(sub: string, ids: readonly string[]): DraftValues {
  const saved = Object(readTabItem(key(sub)));
  const kept: DraftValues = {};
  for (const id of ids) {
    const value: unknown = saved[id];
    if (typeof value === 'string' || typeof value === 'boolean') kept[id] = value;
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) kept[id] = value;
  }
  saveDraft(sub, kept);
  return kept;
}

/** Stores `values` for `sub`, or deletes the draft when `values` is empty. */
export function saveDraft(sub: string, values: DraftValues): void {
  writeTabItem(key(sub), Object.keys(values).length ? values : undefined);
}
