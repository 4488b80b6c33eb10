// Which fields a submit answers: those the session token's `fields` claim names (CONTRACT's Tokens
// section), with a warning the first time the claim names an id this server does not define. Such
// an id would otherwise vanish silently, and the Action would ask the user again at every login.
import { selectFieldsToAsk } from '../../common/field-rules.js';
import type { FieldDefinition, FormDefinition } from '../../common/wire.js';
import { toPrintable } from './printable.js';

export interface WarningLog {
  warn(details: object, message: string): void;
}

/** The fields asked of one user: the claimed required ones this form defines, and every optional one. */
export type AskedFieldsSelector = (claimedIds: readonly string[] | undefined, log: WarningLog) => FieldDefinition[];

// Ids remembered as warned about; the claim is signed by the Action, so this is a safety bound only.
const MAX_WARNED_IDS = 100;
// Ids are metadata keys the Action was configured with, but a log line stays one short line.
const MAX_LOGGED_ID_LENGTH = 100;

/**
 * The selector for `form`. Each undefined id is logged once per process (at warn, naming it);
 * past `MAX_WARNED_IDS` distinct ids, one last line says that more are not logged.
 */
export function createAskedFieldsSelector(form: FormDefinition): AskedFieldsSelector {
  const definedIds = new Set(form.fields.map((field) => field.id));
  const warnedIds = new Set<string>();
  let isWarningCapped = false;
  return (claimedIds, log) => {
    for (const id of claimedIds ?? []) {
      if (definedIds.has(id) || warnedIds.has(id) || isWarningCapped) continue;
      if (warnedIds.size >= MAX_WARNED_IDS) {
        isWarningCapped = true;
        log.warn({ limit: MAX_WARNED_IDS }, 'session tokens name more undefined fields; no more are logged');
        continue;
      }
      warnedIds.add(id);
      log.warn(
        { field: toPrintable(id, MAX_LOGGED_ID_LENGTH) },
        'the session token asks for a field this form does not define: ignored (define it in PROFILE_FIELDS_FILE or remove it from the Action)',
      );
    }
    return selectFieldsToAsk(form.fields, claimedIds);
  };
}
