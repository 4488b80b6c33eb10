// Check 4, the field lists: every id the Action lists (PROFILE_FIELDS, PROFILE_FIELDS_BY_CLIENT,
// PROFILE_OPTIONAL_FIELDS, as `deploy-action` reads them from this environment) is a field of this
// server's form, stored where the Action looks for it, a consent at the same version. A required id
// the form lacks, or stores elsewhere, is asked at every login and never counts as answered.
import type { FieldDefinition } from '../../../common/wire.js';
import type { ServerForm } from '../../fields/form-definition.js';
import type { Config } from '../../config.js';
import { USERNAME_FIELD_ID } from '../../upstream/credentials.js';
import { readActionEnvironment, type ActionField, type ActionSettings } from './action-files.js';
import type { CheckResult } from './report.js';

/** The Action's secrets that say what it asks; the doctor compares them only when one is set. */
export const FIELD_VARIABLES = ['PROFILE_FIELDS', 'PROFILE_OPTIONAL_FIELDS', 'PROFILE_FIELDS_BY_CLIENT', 'PROFILE_DATABASE_CONNECTION'] as const;
const LABEL = 'Action fields';
// The Action refuses settings without a form URL; the field lists do not depend on it, and the
// form page has a check of its own.
const PLACEHOLDER_FORM_URL = 'https://form-url.invalid/';

/**
 * The field-lists line: skipped when this environment sets none of FIELD_VARIABLES; else the lists
 * as `deploy-action` reads them, checked by the Action's own readSettings, compared with the form.
 * `deployedSecretNames`: the deployed Action's secret names, when read, to say when this
 * environment's lists cannot be the deployed ones.
 */
export async function checkActionFields(
  vars: Readonly<Record<string, string | undefined>>,
  config: Config,
  deployedSecretNames: ReadonlySet<string> | undefined,
): Promise<CheckResult> {
  const isSet = (name: string) => typeof vars[name] === 'string' && (vars[name] as string).trim() !== '';
  if (!FIELD_VARIABLES.some(isSet)) {
    return {
      id: 'action_fields',
      label: LABEL,
      status: 'skip',
      message: `not checked: none of ${FIELD_VARIABLES.join(', ')} is set here (set them as you set them for deploy-action, in the environment or ./.env, to compare the Action's fields with this form)`,
    };
  }
  const read = await readActionEnvironment({ ...vars, PROFILE_FORM_URL: isSet('PROFILE_FORM_URL') ? vars.PROFILE_FORM_URL : PLACEHOLDER_FORM_URL });
  if ('problem' in read) {
    return {
      id: 'action_fields',
      label: LABEL,
      status: 'fail',
      message: `the Action would refuse this environment's settings: ${read.problem}`,
      fix: 'correct it here and in the Action (`progressive-profile deploy-action --dry-run` runs the same check)',
    };
  }
  const problems = compareFieldLists(read.settings, config.form, config.management === undefined);
  if (problems.length > 0) {
    const [first] = problems as [FieldProblem, ...FieldProblem[]];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: --json lists them)` : '';
    return {
      id: 'action_fields',
      label: LABEL,
      status: 'fail',
      message: `${first.message}${more}`,
      fix: first.fix,
      problems: problems.map((problem) => `${problem.message} — ${problem.fix}`),
    };
  }
  const entries = listEntries(read.settings);
  const listed = entries.length > 0 ? `every field the Action lists (${entries.join(', ')}) is in the form, stored alike` : 'the Action lists no field';
  const linking = read.settings.databaseConnection === undefined ? '' : `; the form links identities in ${read.settings.databaseConnection}`;
  if (deployedSecretNames) {
    const differing = FIELD_VARIABLES.filter((name) => isSet(name) !== deployedSecretNames.has(name));
    if (differing.length > 0) {
      return {
        id: 'action_fields',
        label: LABEL,
        status: 'warn',
        message: `${listed}${linking}, but the deployed Action and this environment differ in which of ${differing.join(', ')} they set, so these may not be the deployed lists`,
        fix: 'run doctor with the environment deploy-action used, or deploy this one',
      };
    }
  }
  return { id: 'action_fields', label: LABEL, status: 'pass', message: `${listed}${linking}` };
}

/** One list of the Action's, named as the operator writes it. */
interface NamedList {
  readonly source: string;
  readonly fields: readonly ActionField[];
  readonly isRequired: boolean;
}

export interface FieldProblem {
  readonly message: string;
  readonly fix: string;
}

/** The entry as the Action's lists write it: `app_metadata:terms@2026-11`. */
export function formatEntry(field: { id: string; target?: string; version?: string }): string {
  return `${field.target === 'app_metadata' ? 'app_metadata:' : ''}${field.id}${field.version === undefined ? '' : `@${field.version}`}`;
}

/** The database connection the form links identities in (account linking), if any. */
function readLinkedConnection(form: ServerForm): string | undefined {
  return form.link_database_identity?.connection;
}

/**
 * Every mismatch between the Action's lists and the form, in list order. `isActionWriting`: the
 * server has no Management API credentials, so the Action writes what the continue token carries,
 * and drops any value of a field it does not list.
 */
export function compareFieldLists(settings: ActionSettings, form: ServerForm, isActionWriting: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const byId = new Map(form.fields.map((field) => [field.id, field]));
  const lists: NamedList[] = [
    { source: 'PROFILE_FIELDS', fields: settings.requiredFields, isRequired: true },
    ...[...settings.fieldsByClient].map(([clientId, fields]) => ({ source: `PROFILE_FIELDS_BY_CLIENT["${clientId}"]`, fields, isRequired: true })),
    { source: 'PROFILE_OPTIONAL_FIELDS', fields: settings.optionalFields, isRequired: false },
  ];
  const isLinking = settings.databaseConnection !== undefined;

  for (const list of lists) {
    for (const entry of list.fields) {
      const field = byId.get(entry.id);
      const written = formatEntry(entry);
      if (!field) {
        problems.push({
          message: `${list.source} lists ${written}, which the form does not define`,
          fix: `add a field "${entry.id}" to PROFILE_FIELDS_FILE, or remove it from ${list.source}`,
        });
        continue;
      }
      // With a database connection the username belongs to the new identity: the Action never reads it from metadata.
      if (isLinking && entry.id === USERNAME_FIELD_ID) continue;
      const expected = formatEntry({ id: field.id, target: field.target, version: field.type === 'consent' ? field.version : undefined });
      if (entry.target !== field.target) {
        problems.push({
          message: `${list.source} lists ${written}, but the form stores "${field.id}" in ${field.target}`,
          fix: `write it as ${expected} in ${list.source}, or set the field's "target" to ${entry.target}`,
        });
      } else if (field.type === 'consent' && entry.version !== field.version) {
        problems.push({
          message:
            entry.version === undefined
              ? `${list.source} lists ${written} without the consent's version (the form's is ${field.version ?? 'unset'})`
              : `${list.source} lists ${written}, but the form's consent "${field.id}" is version ${field.version ?? 'unset'}`,
          fix: `write it as ${expected} in ${list.source} (a new version asks everyone again), or change the field's "version"`,
        });
      } else if (field.type !== 'consent' && entry.version !== undefined) {
        problems.push({
          message: `${list.source} lists ${written} with a version, but the form's "${field.id}" is a ${field.type} field, not a consent`,
          fix: `write it as ${expected} in ${list.source}, or make the field a consent`,
        });
      }
    }
  }

  const passwordField = form.fields.find((field) => field.type === 'password');
  const linkedConnection = readLinkedConnection(form);
  if (isLinking && !passwordField) {
    problems.push({
      message: `PROFILE_DATABASE_CONNECTION is set, but the form has no password field to link a ${settings.databaseConnection} identity with`,
      fix: `add a "password" field and "link_database_identity": {"connection": "${settings.databaseConnection}"} to PROFILE_FIELDS_FILE, or unset PROFILE_DATABASE_CONNECTION`,
    });
  } else if (isLinking && linkedConnection !== undefined && linkedConnection !== settings.databaseConnection) {
    problems.push({
      message: `PROFILE_DATABASE_CONNECTION is ${settings.databaseConnection}, but the form links identities in ${linkedConnection}`,
      fix: 'set both to the same database connection',
    });
  } else if (!isLinking && passwordField) {
    problems.push({
      message: 'the form has a password field, but PROFILE_DATABASE_CONNECTION is not set, so the Action never asks for it',
      fix: `set PROFILE_DATABASE_CONNECTION to ${linkedConnection ?? 'the form’s database connection'}, or remove the password field`,
    });
  }

  if (isActionWriting) problems.push(...listDroppedFields(form.fields, lists, isLinking));
  return dedupe(problems);
}

/**
 * Without Management API credentials the Action writes the values, and only those it lists for the
 * login's application: an optional field of the form missing from a list has its value dropped.
 */
function listDroppedFields(fields: readonly FieldDefinition[], lists: readonly NamedList[], isLinking: boolean): FieldProblem[] {
  const optional = lists.find((list) => !list.isRequired)?.fields ?? [];
  const contexts = lists.filter((list) => list.isRequired);
  const problems: FieldProblem[] = [];
  for (const field of fields) {
    if (field.required || field.type === 'password' || (isLinking && field.id === 'username')) continue;
    const isListed = (list: readonly ActionField[]) => list.some((entry) => entry.id === field.id);
    if (isListed(optional)) continue;
    const unlisted = contexts.filter((context) => context.fields.length > 0 && !isListed(context.fields));
    if (unlisted.length === 0) continue;
    const entry = formatEntry({ id: field.id, target: field.target, version: field.type === 'consent' ? field.version : undefined });
    problems.push({
      message: `the form's optional field "${field.id}" is not in PROFILE_OPTIONAL_FIELDS, so the Action drops its value (without AUTH0_CLIENT_ID the Action writes the metadata)`,
      fix: `add ${entry} to PROFILE_OPTIONAL_FIELDS`,
    });
  }
  return problems;
}

function dedupe(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => !seen.has(problem.message) && Boolean(seen.add(problem.message)));
}

/** Every id the Action lists, as written, for the line that says all is well. */
export function listEntries(settings: ActionSettings): string[] {
  const entries = [
    ...settings.requiredFields,
    ...[...settings.fieldsByClient.values()].flat(),
    ...settings.optionalFields,
  ].map(formatEntry);
  return [...new Set(entries)];
}
