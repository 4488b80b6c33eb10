// The answers Fastify and Node make before any route is found: a URL Fastify cannot decode
// (`frameworkErrors`) and a request Node's parser refuses (`clientErrorHandler`: a bad request
// line, headers over the size limit, a timeout). Both answer with the JSON error shape and the
// security headers, and neither echoes nor logs any part of the request: the URL may carry T1,
// and the parser's error holds the raw bytes received (`rawPacket`), cookies included.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeError } from '../ops/log.js';
import { formatSecurityHeaderLines, setSecurityHeaders } from './headers.js';
import { JSON_TYPE } from './media-types.js';

const MESSAGES: Readonly<Record<number, string>> = {
  400: 'The request is malformed.',
  408: 'The request took too long to arrive.',
  414: 'The address is too long.',
  431: 'The request headers are too large.',
};

/** Fastify's `frameworkErrors` option: a URL it cannot route (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH…). */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = error.statusCode ?? 400;
  request.log.info({ code: error.code }, 'request refused by the router');
  void setSecurityHeaders(reply).code(statusCode).type(JSON_TYPE).header('cache-control', 'no-store').send(toErrorBody(statusCode));
}

/** Fastify's `clientErrorHandler` option (`this` is the app): answers on the socket itself, as Node would. */
export function handleClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection, or one already gone, has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const statusCode = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  this.log.trace({ err: describeError(error) }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(toErrorBody(statusCode));
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n` +
        `content-type: ${JSON_TYPE}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'cache-control: no-store\r\n' +
        formatSecurityHeaderLines() +
        'connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

function toErrorBody(statusCode: number): { error: string; message: string } {
  if (statusCode >= 500) return { error: 'internal_error', message: 'Something went wrong on our side. Please try again.' };
  return { error: 'invalid_request', message: MESSAGES[statusCode] ?? MESSAGES[400] };
}
