// A dev-server middleware for the browser tests: GET /__build__/progressive-profile.js answers the
// widget bundle built from the current sources with vite.config.ts (in memory, once per run), so
// the tests exercise exactly what `npm run build:widget` ships, never a stale dist/.
import { build } from 'vite';

export const BUILT_WIDGET_PATH = '/__build__/progressive-profile.js';

export function builtWidget() {
  let bundle;
  return async (context, next) => {
    if (context.path !== BUILT_WIDGET_PATH) return next();
    bundle ??= buildBundle();
    context.body = await bundle;
    context.type = 'text/javascript';
    context.set('cache-control', 'no-store');
    context.set('access-control-allow-origin', '*');
  };
}

async function buildBundle() {
  const result = await build({ configFile: 'vite.config.ts', logLevel: 'silent', build: { write: false } });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((entry) => entry.output);
  const chunk = outputs.find((output) => output.fileName === 'progressive-profile.js');
  if (!chunk) throw new Error('the widget build produced no progressive-profile.js');
  return chunk.code;
}
