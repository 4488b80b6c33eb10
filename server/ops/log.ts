// What the server logs about requests and errors. A session token travels in the hosted page's
// query string and submitted values in bodies, so neither may reach a log line: requests are
// logged by method and path only, errors by class and code (upstream messages can hold bodies).

/** The request serializer for Fastify's logger: method and path, never the query, headers or body. */
export function describeRequest(request: { method?: string; url?: string; id?: unknown }): Record<string, unknown> {
  return { method: request.method, url: stripQuery(request.url ?? '') };
}

export function stripQuery(url: string): string {
  const end = url.search(/[?#]/u);
  return end === -1 ? url : url.slice(0, end);
}

/** An error as it may be logged: its class, code and status, and stack frames without the message. */
export function describeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const { code, statusCode, status } = error as { code?: unknown; statusCode?: unknown; status?: unknown };
  const described: Record<string, unknown> = { type: error.name };
  if (typeof code === 'string' || typeof code === 'number') described.code = code;
  const httpStatus = statusCode ?? status;
  if (typeof httpStatus === 'number') described.status = httpStatus;
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /u.test(line));
  if (frames?.length) described.stack = frames.slice(0, 8).map((line) => line.trim());
  if (error.cause !== undefined && depth < 3) described.cause = describeError(error.cause, depth + 1);
  return described;
}

/**
 * The serializers of the app's logger: requests by method and path; errors as `describeError`
 * (Node's parser errors carry the raw bytes received as `rawPacket`, and Fastify's messages may
 * quote the URL). Objects already described pass as they are.
 */
export const LOG_SERIALIZERS = {
  req: describeRequest,
  err: (error: unknown): unknown => (error instanceof Error ? describeError(error) : error),
};
