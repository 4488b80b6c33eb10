// The shapes of the POST bodies, as Fastify route schemas checked before a handler runs
// (400 `invalid_request`). They are compiled by this plugin's own Ajv, whatever the host app's
// Ajv does: nothing is coerced (`5` never becomes `"5"`), defaulted or silently removed.
// The values' types per field depend on the fields file, so fields/values.ts checks those.
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { RequestError } from './errors.js';

const MAX_STATE_LENGTH = 2048;
const MAX_TOKEN_LENGTH = 8192;
// encodeURIComponent throws on a lone surrogate, so a state holding one could never round-trip.
const WELL_FORMED_TEXT = '^[^\\uD800-\\uDFFF]*$';

const stateSchema = { type: 'string', minLength: 1, maxLength: MAX_STATE_LENGTH, pattern: WELL_FORMED_TEXT } as const;
const sessionTokenSchema = { type: 'string', minLength: 1, maxLength: MAX_TOKEN_LENGTH } as const;

// `allOf` in this order, so the first problem named is the first of state, session_token, values.
// Other top-level keys are allowed and ignored.
const requireState = { required: ['state'], properties: { state: stateSchema } } as const;
const requireSessionToken = { required: ['session_token'], properties: { session_token: sessionTokenSchema } } as const;
const requireValues = { required: ['values'], properties: { values: { type: 'object' } } } as const;

/** POST /skip */
export const skipBodySchema = { type: 'object', allOf: [requireState, requireSessionToken] } as const;
/** POST /submit */
export const submitBodySchema = { type: 'object', allOf: [requireState, requireSessionToken, requireValues] } as const;

/**
 * The 200 answer of POST /submit and /skip (`ContinueResponse`): Fastify serializes it with a
 * serializer compiled from this (fast-json-stringify) instead of `JSON.stringify`.
 */
export const continueResponseSchema = {
  type: 'object',
  required: ['continue_url', 'session_token'],
  properties: { continue_url: { type: 'string' }, session_token: { type: 'string' } },
  additionalProperties: false,
} as const;

export interface SkipBody {
  state: string;
  session_token: string;
}

export interface SubmitBody extends SkipBody {
  /** An object; its keys and value types are checked against the form by fields/values.ts. */
  values: Record<string, unknown>;
}

/** The answer's message for a problem at each top-level property ('' is the body itself). */
const MESSAGES: Readonly<Record<string, string>> = {
  '': 'The request body must be a JSON object.',
  state: 'The request has no valid "state".',
  session_token: 'The request has no valid "session_token".',
  values: '"values" must be an object of field values.',
};

/** A validator compiler over one Ajv instance that never changes the data it checks. */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false });
  return ({ schema }) => ajv.compile(schema as object);
}

/** The schema error formatter: the first problem as a `RequestError` `invalid_request` naming it. */
export function toShapeError(errors: readonly Pick<ErrorObject, 'instancePath' | 'params'>[]): RequestError {
  const [first] = errors;
  const missing = (first?.params as { missingProperty?: unknown } | undefined)?.missingProperty;
  const property = typeof missing === 'string' ? missing : (first?.instancePath.split('/')[1] ?? '');
  return new RequestError('invalid_request', MESSAGES[property] ?? MESSAGES['']);
}
