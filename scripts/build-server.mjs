// Bundles the server into dist/server/: main.js (`npm start`), index.js (the package's
// `progressive-profile/server` entry) and cli.js (the `progressive-profile` command), sharing
// chunks. Packages stay external: they are installed beside it.
import { build } from 'esbuild';

await build({
  entryPoints: ['server/main.ts', 'server/index.ts', 'server/cli.ts'],
  outdir: 'dist/server',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  // Chunks beside the entries: server code finds dist/progressive-profile.js one folder up.
  chunkNames: '[name]-[hash]',
  // cli.js runs as the package's bin; a hashbang at the top of any module is valid.
  banner: { js: '#!/usr/bin/env node' },
  sourcemap: true,
  logLevel: 'warning',
});
