// A validation hook that answers every call alike (or never), on a loopback port, for the tests
// of what the server and the doctor make of a hook that misbehaves.
import { once } from 'node:events';
import { createServer } from 'node:http';

export interface CannedAnswer {
  status: number;
  body: string;
}

/** A hook that answers every call with `answer`, or never when it is undefined; its close goes to `cleanups`. */
export async function startCannedHook(cleanups: Array<() => Promise<unknown>>, answer?: CannedAnswer): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    if (answer) response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
}
