// The Management API's error body, `{statusCode, error, message, errorCode}`, as Auth0 answers it
// (and as the `auth0` SDK's errors carry it in `body`).
import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';

export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errorCode?: string;
}

/** Auth0's Management API error body; `errorCode` left out where Auth0 sends none. */
export function apiErrorBody(statusCode: number, message: string, errorCode?: string): ApiErrorBody {
  const body: ApiErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (errorCode !== undefined) body.errorCode = errorCode;
  return body;
}

export function sendApiError(reply: FastifyReply, statusCode: number, message: string, errorCode?: string) {
  return reply.code(statusCode).send(apiErrorBody(statusCode, message, errorCode));
}
