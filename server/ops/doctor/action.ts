// Check 4, with `read:actions`: the Action "Progressive Profile" is deployed (with this package's
// code), bound to post-login, and has the secrets it needs. Auth0 answers secrets as names only, so
// values are never compared: the line says so, and TROUBLESHOOTING.md says what a mismatch looks like.
import type { Config } from '../../config.js';
import { ACTION_NAME, ACTION_TRIGGER, readActionCode } from './action-files.js';
import { NetworkFailure, type DoctorHttp } from './http.js';
import type { ManagementAccess } from './management-api.js';
import type { CheckResult } from './report.js';

interface ActionRecord {
  id?: unknown;
  name?: unknown;
  code?: unknown;
  status?: unknown;
  all_changes_deployed?: unknown;
  secrets?: unknown;
  deployed_version?: { number?: unknown; code?: unknown } | null;
}

export interface ActionFindings {
  readonly results: CheckResult[];
  /** The names of the deployed Action's secrets, when it was read. */
  readonly secretNames?: ReadonlySet<string>;
}

const LABELS = { action: 'Action', action_binding: 'post-login trigger', action_secrets: 'Action secrets' } as const;
const DEPLOY_FIX = 'run `progressive-profile deploy-action` with the Action’s secrets in the environment (see docs/DEPLOY.md)';

/** The three Action lines, all skipped with `reason` when there is no token to read the tenant with. */
export function skipActionChecks(reason: string): CheckResult[] {
  return (['action', 'action_binding', 'action_secrets'] as const).map((id) => skipLine(id, reason));
}

function skipLine(id: keyof typeof LABELS, reason: string): CheckResult {
  return { id, label: LABELS[id], status: 'skip', message: `not checked: ${reason}` };
}

const withoutReadActions = (holder: string) =>
  `the token has no read:actions (grant it to ${holder} to check that the Action "${ACTION_NAME}" is deployed, ` +
  'bound to post-login and has the secrets it needs; it reads code and secret names, never secret values)';

/** `holder`: the variable naming the application whose token `access` is (AUTH0_CLIENT_ID, or the doctor's own DOCTOR_CLIENT_ID). */
export async function checkAction(
  http: DoctorHttp,
  config: Config,
  access: ManagementAccess,
  holder: 'AUTH0_CLIENT_ID' | 'DOCTOR_CLIENT_ID' = 'AUTH0_CLIENT_ID',
): Promise<ActionFindings> {
  const WITHOUT_READ_ACTIONS = withoutReadActions(holder);
  if (access.scopes !== undefined && !access.scopes.has('read:actions')) return { results: skipActionChecks(WITHOUT_READ_ACTIONS) };
  const api = async (path: string): Promise<{ status: number; body: unknown }> => {
    const response = await http.request(`${config.tenant.origin}/api/v2/actions${path}`, {
      headers: { authorization: `Bearer ${access.accessToken}`, accept: 'application/json' },
    });
    return { status: response.status, body: await http.readJson(response) };
  };
  const fail = (id: keyof typeof LABELS, message: string, fix: string): CheckResult => ({ id, label: LABELS[id], status: 'fail', message, fix });
  const refused = (status: number, what: string): CheckResult[] | undefined => {
    if (status === 403) return skipActionChecks(WITHOUT_READ_ACTIONS);
    if (status === 200) return undefined;
    const reason = `${what} answered ${status}`;
    return [fail('action', reason, 'run doctor again; if it lasts, check the tenant’s status'), ...skipActionChecks(reason).slice(1)];
  };

  try {
    const listed = await api(`/actions?actionName=${encodeURIComponent(ACTION_NAME)}`);
    const listRefusal = refused(listed.status, 'GET /api/v2/actions/actions');
    if (listRefusal) return { results: listRefusal };
    const actions = (listed.body as { actions?: unknown } | undefined)?.actions;
    const action = (Array.isArray(actions) ? (actions as ActionRecord[]) : []).find((candidate) => candidate?.name === ACTION_NAME);
    if (!action || typeof action.id !== 'string') {
      return {
        results: [
          fail('action', `the tenant has no Action named "${ACTION_NAME}"`, `install it: ${DEPLOY_FIX}`),
          ...skipActionChecks(`there is no Action "${ACTION_NAME}"`).slice(1),
        ],
      };
    }
    const secretNames = new Set(
      (Array.isArray(action.secrets) ? action.secrets : [])
        .map((secret: { name?: unknown }) => secret?.name)
        .filter((name): name is string => typeof name === 'string'),
    );
    const bound = await api(`/triggers/${ACTION_TRIGGER}/bindings`);
    const bindingRefusal = refused(bound.status, `GET /api/v2/actions/triggers/${ACTION_TRIGGER}/bindings`);
    if (bindingRefusal) return { results: bindingRefusal };
    const deployment = describeDeployment(action);
    // Auth0 binds only a deployed Action: an undeployed one is unbound as a consequence, not a second
    // problem. One whose latest code failed to build still runs its deployed version, if it has one.
    const binding = action.deployed_version
      ? describeBinding(action.id, bound.body)
      : skipLine('action_binding', `"${ACTION_NAME}" is not deployed`);
    return { secretNames, results: [deployment, binding, describeSecrets(secretNames, config)] };
  } catch (error) {
    if (!(error instanceof NetworkFailure)) throw error;
    const fix = 'check the network between this machine and the tenant, then run doctor again';
    return { results: [fail('action', error.message, fix), ...skipActionChecks(error.message).slice(1)] };
  }
}

function describeDeployment(action: ActionRecord): CheckResult {
  const base = { id: 'action', label: LABELS.action } as const;
  const deployed = action.deployed_version;
  if (action.status === 'failed') {
    const fix = `see Actions > Library > ${ACTION_NAME} in the dashboard, then ${DEPLOY_FIX}`;
    const running = deployed && typeof deployed.number === 'number' ? ` (version ${deployed.number} still runs)` : '';
    return { ...base, status: 'fail', message: `"${ACTION_NAME}" failed to build: its latest code cannot be deployed${running}`, fix };
  }
  if (!deployed) {
    const fix = `deploy it (Actions > Library > ${ACTION_NAME} > Deploy), or ${DEPLOY_FIX}`;
    return { ...base, status: 'fail', message: `"${ACTION_NAME}" exists but was never deployed`, fix };
  }
  const version = typeof deployed.number === 'number' ? `version ${deployed.number}` : 'a version';
  const deployedCode = typeof deployed.code === 'string' ? deployed.code : action.code;
  if (typeof deployedCode === 'string' && deployedCode !== readActionCode()) {
    return {
      ...base,
      status: 'warn',
      message: `"${ACTION_NAME}" is deployed (${version}), but its code is not this package’s rule/action.js`,
      fix: `${DEPLOY_FIX} to run the Action this server was built with (ignore this if you changed the Action on purpose)`,
    };
  }
  if (action.all_changes_deployed === false) {
    return {
      ...base,
      status: 'warn',
      message: `"${ACTION_NAME}" is deployed (${version}), but it has changes that are not deployed`,
      fix: `deploy them (Actions > Library > ${ACTION_NAME} > Deploy), or discard them`,
    };
  }
  return { ...base, status: 'pass', message: `"${ACTION_NAME}" is deployed (${version}, the code of this package’s rule/action.js)` };
}

function describeBinding(actionId: string, body: unknown): CheckResult {
  const base = { id: 'action_binding', label: LABELS.action_binding } as const;
  const bindings = (body as { bindings?: unknown } | undefined)?.bindings;
  const list = Array.isArray(bindings) ? (bindings as Array<{ action?: { id?: unknown } }>) : [];
  const position = list.findIndex((binding) => binding?.action?.id === actionId);
  if (position === -1) {
    return {
      ...base,
      status: 'fail',
      message: `"${ACTION_NAME}" is not bound to ${ACTION_TRIGGER}, so it never runs`,
      fix: `bind it: Actions > Triggers > post-login, drag "${ACTION_NAME}" into the flow and Apply (or ${DEPLOY_FIX})`,
    };
  }
  return { ...base, status: 'pass', message: `"${ACTION_NAME}" runs on ${ACTION_TRIGGER} (binding ${position + 1} of ${list.length})` };
}

/**
 * The secret names the Action needs, and the continue-token secret on both sides: a server that
 * signs with its own CONTINUE_TOKEN_SECRET while the Action verifies with SESSION_TOKEN_SECRET (or
 * the reverse) fails every return to /continue, and names alone show it.
 */
function describeSecrets(names: ReadonlySet<string>, config: Config): CheckResult {
  const base = { id: 'action_secrets', label: LABELS.action_secrets } as const;
  const needed = ['SESSION_TOKEN_SECRET', 'PROFILE_FORM_URL'];
  const asksElsewhere = names.has('PROFILE_FIELDS_BY_CLIENT') || names.has('PROFILE_DATABASE_CONNECTION');
  if (!asksElsewhere) needed.push('PROFILE_FIELDS');
  const missing = needed.filter((name) => !names.has(name));
  if (missing.length > 0) {
    const plural = missing.length > 1 ? 's' : '';
    return {
      ...base,
      status: 'fail',
      message: `"${ACTION_NAME}" lacks the secret${plural} ${missing.join(', ')}, so it lets every login through without asking`,
      fix: `add ${missing.join(', ')} in Actions > Library > ${ACTION_NAME} > Secrets and deploy, or ${DEPLOY_FIX}`,
    };
  }
  const serverHasContinueSecret = config.continueTokenSecret !== config.sessionTokenSecret;
  const actionHasContinueSecret = names.has('CONTINUE_TOKEN_SECRET');
  if (serverHasContinueSecret && !actionHasContinueSecret) {
    return {
      ...base,
      status: 'fail',
      message:
        'the server signs continue tokens with its own CONTINUE_TOKEN_SECRET, but the Action has no CONTINUE_TOKEN_SECRET and checks them with SESSION_TOKEN_SECRET: every return to /continue fails ("Failed signature validation")',
      fix: 'add CONTINUE_TOKEN_SECRET to the Action with the server’s value and deploy, or unset it on the server',
    };
  }
  if (!serverHasContinueSecret && actionHasContinueSecret) {
    return {
      ...base,
      status: 'fail',
      message:
        'the Action checks continue tokens with its CONTINUE_TOKEN_SECRET, but this server has none and signs them with SESSION_TOKEN_SECRET: every return to /continue fails ("Failed signature validation")',
      fix: 'set the server’s CONTINUE_TOKEN_SECRET to the Action’s value, or remove that secret from the Action and deploy',
    };
  }
  const listed = [...needed, ...(actionHasContinueSecret ? ['CONTINUE_TOKEN_SECRET'] : [])];
  return {
    ...base,
    status: 'pass',
    message: `${listed.join(', ')} are set (Auth0 never shows their values: the token secrets must be this server’s, character for character)`,
  };
}
