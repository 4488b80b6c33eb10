// Prints the widget bundle's size (minified, gzip -9, brotli) and fails above the gzip budget:
// with LitElement inside and every revision-2 field type, at most 14,336 B, aiming at 12,288 B
// (the revision-1 form alone had 11,264 B). The phone chunk (the calling codes, loaded only by
// forms with a tel field) is reported on its own and is not part of the bundle's budget.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const FILE = 'dist/progressive-profile.js';
const PHONE_CHUNK = 'dist/progressive-profile-calling-codes.js';
const GZIP_BUDGET = 14_336;
const GZIP_AIM = 12_288;

function measure(file) {
  const source = readFileSync(file);
  const gzip = gzipSync(source, { level: 9 }).length;
  const brotli = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return { minified: source.length, gzip, brotli };
}

let bundle;
let chunk;
try {
  bundle = measure(FILE);
  chunk = measure(PHONE_CHUNK);
} catch (error) {
  console.error(`${error.path ?? FILE} is missing: run vite build first.`);
  process.exit(1);
}
console.log(
  `${FILE}: ${bundle.minified} B minified, ${bundle.gzip} B gzip, ${bundle.brotli} B brotli (budget ${GZIP_BUDGET} B gzip, aim ${GZIP_AIM} B)`,
);
console.log(`${PHONE_CHUNK} (tel forms only): ${chunk.minified} B minified, ${chunk.gzip} B gzip, ${chunk.brotli} B brotli`);
if (bundle.gzip > GZIP_BUDGET) {
  console.error(`${FILE} is over budget by ${bundle.gzip - GZIP_BUDGET} B gzip.`);
  process.exit(1);
}
