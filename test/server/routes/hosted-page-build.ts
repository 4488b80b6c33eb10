// The hosted page's parts built from the current sources (vite.config.ts's hosted-page builds), for
// the hosted page's tests: never a stale dist/. Each call builds into a folder of its own inside
// the project (the server renderer imports lit and @lit-labs/ssr, which must resolve from there),
// removed by the returned `remove`. The embed bundle comes from the same build.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';
import { loadHostedPageAssets, type HostedPageAssets } from '../../../server/ssr/hosted-page-assets.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CACHE = join(ROOT, 'node_modules/.cache/pp-test-hosted-page');

export interface BuiltHostedPage {
  assets: HostedPageAssets;
  /** The embed bundle (dist/progressive-profile.js's build). */
  widgetScript: string;
  remove(): void;
}

export async function buildHostedPage(): Promise<BuiltHostedPage> {
  mkdirSync(CACHE, { recursive: true });
  const directory = mkdtempSync(join(CACHE, 'build-'));
  try {
    await build({ configFile: join(ROOT, 'vite.config.ts'), root: ROOT, logLevel: 'silent', build: { outDir: directory } });
    const assets = await loadHostedPageAssets([pathToFileURL(`${directory}/`)]);
    if (!assets) throw new Error(`the hosted page's build in ${directory} is incomplete`);
    return {
      assets,
      widgetScript: readFileSync(join(directory, 'progressive-profile.js'), 'utf8'),
      remove: () => rmSync(directory, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}
