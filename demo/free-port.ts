// A loopback TCP port that was free a moment ago, for servers whose origin must be known before
// they listen (the tenant names itself in tokens; the Action needs the form page's URL). Another
// process could take it in between; on one machine that is rare, and listen() then fails loudly.
import { once } from 'node:events';
import { createServer } from 'node:net';

export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}
