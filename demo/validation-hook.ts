// A validation hook receiver, as a site owner would write one (docs/reference/validation-hook.md shows it):
// plain Node `http`, the signature checked in constant time, a five-minute timestamp window, and
// one business rule (company names on a small block list are refused). The demo can start it on
// a port and point VALIDATION_HOOK_URL at it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ValidationHookReceiverOptions {
  /** VALIDATION_HOOK_SECRET, the same as the server's. */
  secret: string;
  /** Company names refused, compared case-insensitively; default "Acme" and "Example Inc". */
  blockedCompanies?: readonly string[];
  /** Epoch milliseconds; tests move it. Default `Date.now`. */
  now?: () => number;
}

export interface RunningReceiver {
  /** The URL to set as VALIDATION_HOOK_URL. */
  readonly url: string;
  /** The signed calls verified so far (their bodies as parsed), for the demo's output and tests. */
  readonly calls: readonly unknown[];
  close(): Promise<void>;
}

const WINDOW_SECONDS = 5 * 60;
const MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_BLOCKED = ['Acme', 'Example Inc'];

/** The request handler: 401 for a bad signature or a stale timestamp, else `200 {}` or `200 {"errors": …}`. */
export function createValidationHookHandler(options: ValidationHookReceiverOptions, calls: unknown[] = []) {
  const blocked = new Set((options.blockedCompanies ?? DEFAULT_BLOCKED).map(normalizeName));
  const now = options.now ?? Date.now;
  return async function handleValidationHook(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') return send(response, 405, { error: 'method_not_allowed' });
    const body = await readBody(request);
    if (body === undefined) return send(response, 413, { error: 'too_large' });

    // 1. The timestamp: within five minutes of our clock, either way (a replayed call is stale).
    const timestamp = String(request.headers['x-progressive-profile-timestamp'] ?? '');
    if (!/^\d{1,12}$/u.test(timestamp) || Math.abs(now() / 1000 - Number(timestamp)) > WINDOW_SECONDS) {
      return send(response, 401, { error: 'stale_timestamp' });
    }
    // 2. The signature over the timestamp and the raw bytes, compared in constant time.
    const expected = Buffer.from(`v1=${createHmac('sha256', options.secret).update(`${timestamp}.`).update(body).digest('hex')}`);
    const given = Buffer.from(String(request.headers['x-progressive-profile-signature'] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return send(response, 401, { error: 'bad_signature' });
    }

    // 3. Only now is the body trusted: {"sub", "fields", "values"}.
    const call = JSON.parse(body.toString('utf8')) as { values?: Record<string, unknown> };
    calls.push(call);
    const company = call.values?.company_name;
    if (typeof company === 'string' && blocked.has(normalizeName(company))) {
      return send(response, 200, { errors: { company_name: 'Please enter the company you work for.' } });
    }
    return send(response, 200, {});
  };
}

/** Starts the receiver on `port` (0: a free one) of `host` (default 127.0.0.1). */
export async function startValidationHookReceiver(
  options: ValidationHookReceiverOptions & { port?: number; host?: string },
): Promise<RunningReceiver> {
  const calls: unknown[] = [];
  const handle = createValidationHookHandler(options, calls);
  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => send(response, 400, { error: 'bad_request' }));
  });
  const host = options.host ?? '127.0.0.1';
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host}:${port}/validate`,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function normalizeName(name: string): string {
  return name.trim().replace(/\s+/gu, ' ').toLowerCase();
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: object): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
