// The few Management API endpoints rule/deploy.mjs uses to install the Action: list, create,
// read and update actions, deploy one, and read and replace the post-login trigger's bindings.
// Shapes follow the `auth0` SDK's types (Action, ActionBinding, DeployActionResponseContent).
// Secret values are kept but never answered (names and `updated_at` only), as Auth0 does.
// Scopes per endpoint, as Auth0 documents them (reference §1.6): read:actions to list and read
// actions and to read bindings; create:actions to create and to deploy; update:actions to update
// an action and to replace bindings. read:triggers / update:triggers open nothing here.
// An action whose code does not compile has the build status `failed` and cannot be deployed.
// What is deployed and bound is what the tenant runs: `ActionsStore.listBound` hands the login
// pipeline each bound action's deployed code and the secret values it was deployed with.
import { randomUUID } from 'node:crypto';
import { Script } from 'node:vm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendApiError } from './api-errors.js';
import { isRecord } from './values.js';

export interface ActionsApiOptions {
  /** Whether the `Authorization` header carries a live token with `scope`. */
  readonly isAuthorized: (authorization: string | undefined, scope: string) => 'ok' | 'unauthenticated' | 'forbidden';
  /** Where the actions and bindings live; default a store of its own. */
  readonly store?: ActionsStore;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

/** A deployed version of a bound action, as the tenant runs it. */
export interface BoundAction {
  /** Unique per deployed version (a new deploy, a new id). */
  readonly versionId: string;
  readonly name: string;
  readonly number: number;
  readonly code: string;
  /** The secret values the version was deployed with. */
  readonly secrets: Readonly<Record<string, string>>;
}

/** The tenant's actions and trigger bindings, shared by the Actions API and the login pipeline. */
export interface ActionsStore {
  readonly actions: Map<string, StoredAction>;
  readonly bindings: Map<string, StoredBinding[]>;
  /** The deployed versions bound to `triggerId`, in binding order. */
  listBound(triggerId: string): BoundAction[];
}

export function createActionsStore(): ActionsStore {
  const actions = new Map<string, StoredAction>();
  const bindings = new Map<string, StoredBinding[]>();
  return {
    actions,
    bindings,
    listBound(triggerId) {
      return (bindings.get(triggerId) ?? []).flatMap((binding) => {
        const deployed = actions.get(binding.actionId)?.deployed;
        return deployed ? [deployed] : [];
      });
    },
  };
}

interface ActionTrigger {
  id: string;
  version?: string;
}

export interface StoredAction {
  id: string;
  name: string;
  code: string;
  runtime: string;
  supported_triggers: ActionTrigger[];
  dependencies: unknown[];
  secrets: Map<string, { value: string; updated_at: string }>;
  created_at: string;
  updated_at: string;
  deployed_version?: Record<string, unknown>;
  /** What the deployed version runs: its code and secret values (never answered). */
  deployed?: BoundAction;
  versionCount: number;
}

export interface StoredBinding {
  id: string;
  trigger_id: string;
  display_name: string;
  actionId: string;
  created_at: string;
  updated_at: string;
}

const TRIGGERS = new Set(['post-login', 'credentials-exchange', 'pre-user-registration', 'post-user-registration']);

export async function actionsApi(app: FastifyInstance, options: ActionsApiOptions): Promise<void> {
  if (typeof options?.isAuthorized !== 'function') throw new TypeError('actionsApi: option "isAuthorized" must be a function');
  const now = options.now ?? Date.now;
  const { actions, bindings } = options.store ?? createActionsStore();
  const isoNow = () => new Date(now()).toISOString();

  /** Refuses a request whose token is missing, unknown, expired or lacks `scope`, as the Management API does. */
  function requireScope(scope: string) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const verdict = options.isAuthorized(request.headers.authorization, scope);
      if (verdict === 'unauthenticated') return sendApiError(reply, 401, 'Invalid token', 'invalid_token');
      if (verdict === 'forbidden') {
        return sendApiError(reply, 403, `Insufficient scope, expected any of: ${scope}`, 'insufficient_scope');
      }
      return undefined;
    };
  }

  function toPublicAction(action: StoredAction) {
    return {
      id: action.id,
      name: action.name,
      code: action.code,
      runtime: action.runtime,
      supported_triggers: action.supported_triggers,
      dependencies: action.dependencies,
      secrets: [...action.secrets].map(([name, secret]) => ({ name, updated_at: secret.updated_at })),
      status: readBuildStatus(action.code),
      all_changes_deployed: action.deployed_version?.code === action.code,
      ...(action.deployed_version ? { deployed_version: action.deployed_version } : {}),
      created_at: action.created_at,
      updated_at: action.updated_at,
    };
  }

  function badRequest(reply: FastifyReply, message: string) {
    return sendApiError(reply, 400, message, 'invalid_body');
  }

  function notFound(reply: FastifyReply) {
    return sendApiError(reply, 404, 'That action does not exist.', 'not_found');
  }

  /** Validates the writable fields of a create or update body; a problem sentence, or the changes. */
  function readActionBody(body: unknown, isCreate: boolean): string | Partial<StoredAction> & { secretList?: unknown[] } {
    if (!isRecord(body)) return 'Payload validation error: the body must be an object.';
    const changes: Partial<StoredAction> & { secretList?: unknown[] } = {};
    if (body.name !== undefined || isCreate) {
      if (typeof body.name !== 'string' || body.name.trim() === '') return "Payload validation error: 'name' must be a non-empty string.";
      changes.name = body.name;
    }
    if (body.supported_triggers !== undefined || isCreate) {
      const triggers = body.supported_triggers;
      if (!Array.isArray(triggers) || triggers.length !== 1 || !isRecord(triggers[0]) || !TRIGGERS.has(String(triggers[0].id))) {
        return "Payload validation error: 'supported_triggers' must name exactly one known trigger.";
      }
      changes.supported_triggers = [{ id: String(triggers[0].id), version: String(triggers[0].version ?? 'v3') }];
    }
    if (body.code !== undefined) {
      if (typeof body.code !== 'string') return "Payload validation error: 'code' must be a string.";
      changes.code = body.code;
    }
    if (body.runtime !== undefined) {
      if (typeof body.runtime !== 'string' || !/^node\d+$/.test(body.runtime)) return "Payload validation error: 'runtime' is not a runtime.";
      changes.runtime = body.runtime;
    }
    if (body.dependencies !== undefined) {
      if (!Array.isArray(body.dependencies)) return "Payload validation error: 'dependencies' must be an array.";
      changes.dependencies = body.dependencies;
    }
    if (body.secrets !== undefined) {
      if (!Array.isArray(body.secrets) || !body.secrets.every((secret) => isRecord(secret) && typeof secret.name === 'string')) {
        return "Payload validation error: 'secrets' must be an array of {name, value}.";
      }
      changes.secretList = body.secrets;
    }
    return changes;
  }

  function applySecrets(action: StoredAction, list: unknown[] | undefined) {
    if (!list) return;
    const next = new Map<string, { value: string; updated_at: string }>();
    for (const item of list as Array<{ name: string; value?: unknown }>) {
      const previous = action.secrets.get(item.name);
      // A secret listed without a value keeps the value it had.
      const value = typeof item.value === 'string' ? item.value : previous?.value ?? '';
      next.set(item.name, { value, updated_at: typeof item.value === 'string' || !previous ? isoNow() : previous.updated_at });
    }
    action.secrets = next;
  }

  app.get<{ Querystring: Record<string, string | undefined> }>('/actions', { onRequest: requireScope('read:actions') }, async (request) => {
    const { actionName, triggerId } = request.query;
    const found = [...actions.values()]
      .filter((action) => actionName === undefined || action.name === actionName)
      .filter((action) => triggerId === undefined || action.supported_triggers.some((trigger) => trigger.id === triggerId))
      .map(toPublicAction);
    return { actions: found, total: found.length, page: 0, per_page: 50 };
  });

  app.get<{ Params: { id: string } }>('/actions/:id', { onRequest: requireScope('read:actions') }, async (request, reply) => {
    const action = actions.get(request.params.id);
    return action ? toPublicAction(action) : notFound(reply);
  });

  app.post('/actions', { onRequest: requireScope('create:actions') }, async (request, reply) => {
    const changes = readActionBody(request.body, true);
    if (typeof changes === 'string') return badRequest(reply, changes);
    if ([...actions.values()].some((action) => action.name === changes.name)) {
      return sendApiError(reply, 409, 'An action with that name already exists.', 'already_exists');
    }
    const at = isoNow();
    const action: StoredAction = {
      id: randomUUID(),
      name: changes.name as string,
      code: changes.code ?? '',
      runtime: changes.runtime ?? 'node22',
      supported_triggers: changes.supported_triggers as ActionTrigger[],
      dependencies: changes.dependencies ?? [],
      secrets: new Map(),
      created_at: at,
      updated_at: at,
      versionCount: 0,
    };
    applySecrets(action, changes.secretList);
    actions.set(action.id, action);
    return reply.code(201).send(toPublicAction(action));
  });

  app.patch<{ Params: { id: string } }>('/actions/:id', { onRequest: requireScope('update:actions') }, async (request, reply) => {
    const action = actions.get(request.params.id);
    if (!action) return notFound(reply);
    const changes = readActionBody(request.body, false);
    if (typeof changes === 'string') return badRequest(reply, changes);
    const { secretList, ...fields } = changes;
    Object.assign(action, fields);
    applySecrets(action, secretList);
    action.updated_at = isoNow();
    return toPublicAction(action);
  });

  app.post<{ Params: { id: string } }>('/actions/:id/deploy', { onRequest: requireScope('create:actions') }, async (request, reply) => {
    const action = actions.get(request.params.id);
    if (!action) return notFound(reply);
    if (readBuildStatus(action.code) === 'failed') {
      return badRequest(reply, `The action ${action.name} failed to build and cannot be deployed.`);
    }
    action.versionCount += 1;
    const at = isoNow();
    action.deployed_version = {
      id: randomUUID(),
      action_id: action.id,
      number: action.versionCount,
      deployed: true,
      status: 'built',
      code: action.code,
      runtime: action.runtime,
      dependencies: action.dependencies,
      secrets: [...action.secrets].map(([name, secret]) => ({ name, updated_at: secret.updated_at })),
      supported_triggers: action.supported_triggers,
      built_at: at,
      created_at: at,
      updated_at: at,
    };
    action.deployed = {
      versionId: action.deployed_version.id as string,
      name: action.name,
      number: action.versionCount,
      code: action.code,
      secrets: Object.fromEntries([...action.secrets].map(([name, secret]) => [name, secret.value])),
    };
    return reply.code(200).send(action.deployed_version);
  });

  app.get<{ Params: { triggerId: string } }>(
    '/triggers/:triggerId/bindings',
    { onRequest: requireScope('read:actions') },
    async (request, reply) => {
      if (!TRIGGERS.has(request.params.triggerId)) return sendApiError(reply, 404, 'Unknown trigger.', 'not_found');
      const list = (bindings.get(request.params.triggerId) ?? []).map(toPublicBinding);
      return { bindings: list, total: list.length, page: 0, per_page: 50 };
    },
  );

  app.patch<{ Params: { triggerId: string } }>(
    '/triggers/:triggerId/bindings',
    { onRequest: requireScope('update:actions') },
    async (request, reply) => {
      const triggerId = request.params.triggerId;
      if (!TRIGGERS.has(triggerId)) return sendApiError(reply, 404, 'Unknown trigger.', 'not_found');
      const body = request.body;
      if (!isRecord(body) || !Array.isArray(body.bindings)) return badRequest(reply, "Payload validation error: 'bindings' must be an array.");
      const at = isoNow();
      const next: StoredBinding[] = [];
      for (const item of body.bindings) {
        const ref = isRecord(item) && isRecord(item.ref) ? item.ref : undefined;
        const action =
          ref?.type === 'action_id'
            ? actions.get(String(ref.value))
            : ref?.type === 'action_name'
              ? [...actions.values()].find((candidate) => candidate.name === ref.value)
              : undefined;
        if (!action) return badRequest(reply, 'Each binding needs a ref to an existing action (action_id or action_name).');
        if (!action.deployed_version) return badRequest(reply, `The action ${action.name} must be deployed before it is bound.`);
        if (!action.supported_triggers.some((trigger) => trigger.id === triggerId)) {
          return badRequest(reply, `The action ${action.name} does not support the ${triggerId} trigger.`);
        }
        const displayName = isRecord(item) && typeof item.display_name === 'string' ? item.display_name : action.name;
        next.push({ id: randomUUID(), trigger_id: triggerId, display_name: displayName, actionId: action.id, created_at: at, updated_at: at });
      }
      bindings.set(triggerId, next);
      return { bindings: next.map(toPublicBinding) };
    },
  );

  function toPublicBinding(binding: StoredBinding) {
    const action = actions.get(binding.actionId);
    return {
      id: binding.id,
      trigger_id: binding.trigger_id,
      display_name: binding.display_name,
      action: action ? toPublicAction(action) : { id: binding.actionId },
      created_at: binding.created_at,
      updated_at: binding.updated_at,
    };
  }
}

/** `failed` for code that does not compile as a CommonJS module (Auth0's build fails on it), else `built`. */
function readBuildStatus(code: string): 'built' | 'failed' {
  try {
    new Script(`(function (exports, require, module, __filename, __dirname) {\n${code}\n})`);
    return 'built';
  } catch {
    return 'failed';
  }
}
