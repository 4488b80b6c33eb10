// Bundles the server (server/main.ts and what it imports) into dist/server/main.js for `npm start`.
// Packages stay external: they are installed beside it by `npm install`.
import { build } from 'esbuild';

await build({
  entryPoints: ['server/main.ts'],
  outfile: 'dist/server/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
