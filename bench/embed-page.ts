// A site owner's page embedding the widget, as the README shows it: the script tag and the element
// pointed at the Progressive Profile server on another origin, with GET /form and the phone chunk
// (the demo form has a phone field) preloaded beside the bundle, as the README advises, in the same page chrome as the floor (bench/plain-page.ts). Served from this process
// on a port of its own (its own origin: the server's ALLOWED_ORIGINS must list it).
import { createServer, type Server } from 'node:http';
import { renderBenchPage } from './page-chrome.js';

export interface EmbedPageServer {
  readonly origin: string;
  /** Points the page at the server (known only once the server, which must allow this origin, runs). */
  setServerOrigin(origin: string): void;
  close(): Promise<void>;
}

export function renderEmbedPage(serverOrigin: string): string {
  return renderBenchPage({
    head: `<script type="module" src="${serverOrigin}/progressive-profile.js"></script>
<link rel="preload" href="${serverOrigin}/form" as="fetch" crossorigin>
<link rel="modulepreload" href="${serverOrigin}/progressive-profile-calling-codes.js">
`,
    main: `<progressive-profile endpoint="${serverOrigin}"></progressive-profile>`,
  });
}

export async function startEmbedPageServer(): Promise<EmbedPageServer> {
  let page = '';
  const server: Server = createServer((request, response) => {
    if (!request.url?.startsWith('/?') && request.url !== '/') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    setServerOrigin(origin) {
      page = renderEmbedPage(origin);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
