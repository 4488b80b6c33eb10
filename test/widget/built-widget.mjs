// A dev-server middleware for the browser tests: GET /__build__/progressive-profile.js answers the
// widget bundle built from the current sources with vite.config.ts (in memory, once per run), and
// /__build__/progressive-profile-calling-codes.js the phone chunk beside it, so the tests exercise
// exactly what `npm run build:widget` ships, never a stale dist/. Under /__build__/no-chunk/ the
// bundle is served without its chunk (404), as from a server that lost it.
import { build } from 'vite';

export const BUILT_WIDGET_PATH = '/__build__/progressive-profile.js';
export const BUILT_WIDGET_WITHOUT_CHUNK_PATH = '/__build__/no-chunk/progressive-profile.js';
export const PHONE_CHUNK_NAME = 'progressive-profile-calling-codes.js';

export function builtWidget() {
  let outputs;
  return async (context, next) => {
    const match = /^\/__build__\/(no-chunk\/)?([\w-]+\.js)$/.exec(context.path);
    if (!match) return next();
    outputs ??= buildOutputs();
    const code = (await outputs).get(match[2]);
    context.set('cache-control', 'no-store');
    context.set('access-control-allow-origin', '*');
    if (code === undefined || (match[1] && match[2] !== 'progressive-profile.js')) {
      context.status = 404;
      return;
    }
    context.body = code;
    context.type = 'text/javascript';
  };
}

async function buildOutputs() {
  const result = await build({ configFile: 'vite.config.ts', logLevel: 'silent', build: { write: false } });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((entry) => entry.output);
  const chunks = new Map(outputs.filter((output) => output.type === 'chunk').map((output) => [output.fileName, output.code]));
  for (const name of ['progressive-profile.js', PHONE_CHUNK_NAME]) {
    if (!chunks.has(name)) throw new Error(`the widget build produced no ${name}`);
  }
  return chunks;
}
