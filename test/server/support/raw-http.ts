// HTTP over a bare socket, for what fetch and inject cannot send: a malformed request line,
// oversized headers, a URL fetch would normalise, pipelined requests.
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json(): any;
}

export interface RawConnection {
  write(text: string): void;
  /** Every response the server sent until it closed the connection. */
  responses: Promise<RawResponse[]>;
}

/** The port `app` listens on, on loopback (listening first if it does not yet). */
export async function listenOnLoopback(app: FastifyInstance): Promise<number> {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on a port');
  return address.port;
}

/** Opens a connection to `port`; the responses settle when the server closes it. */
export function openRaw(port: number): RawConnection {
  const socket: Socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // A server that answers before reading all we sent resets the connection: what it sent still counts.
  socket.on('error', () => {});
  const responses = new Promise<RawResponse[]>((resolve) => {
    socket.on('close', () => resolve(parseResponses(Buffer.concat(chunks).toString('latin1'))));
  });
  return { write: (text) => void socket.write(text), responses };
}

/** Sends `text` as it is and answers the first response. */
export async function sendRaw(port: number, text: string): Promise<RawResponse> {
  const connection = openRaw(port);
  connection.write(text);
  const [first] = await connection.responses;
  if (!first) throw new Error('the server closed the connection without answering');
  return first;
}

function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) break;
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? rest.length - headEnd - 4);
    const body = rest.slice(headEnd + 4, headEnd + 4 + length);
    rest = rest.slice(headEnd + 4 + length);
    responses.push({ statusCode: Number(statusLine.split(' ')[1]), headers, body, json: () => JSON.parse(body) });
  }
  return responses;
}
