// Prints the widget bundle's size (minified, gzip -9, brotli) and fails above the gzip budget:
// 11,264 B with LitElement inside (CONTRACT.md), aiming at 10,240 B.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const FILE = 'dist/progressive-profile.js';
const GZIP_BUDGET = 11_264;
const GZIP_AIM = 10_240;

let source;
try {
  source = readFileSync(FILE);
} catch {
  console.error(`${FILE} is missing: run vite build first.`);
  process.exit(1);
}
const gzip = gzipSync(source, { level: 9 }).length;
const brotli = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(
  `${FILE}: ${source.length} B minified, ${gzip} B gzip, ${brotli} B brotli (budget ${GZIP_BUDGET} B gzip, aim ${GZIP_AIM} B)`,
);
if (gzip > GZIP_BUDGET) {
  console.error(`${FILE} is over budget by ${gzip - GZIP_BUDGET} B gzip.`);
  process.exit(1);
}
