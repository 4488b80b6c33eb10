// The hosted page's two built parts, which `vite build` writes beside the widget bundle: the
// element's server renderer (progressive-profile-ssr.js) and the script that hydrates what it
// renders (progressive-profile-hosted.js). They come from one build: the page uses both or neither.
import { access, readFile } from 'node:fs/promises';
import type { ElementRenderer } from '../../common/element-renderer.js';

export interface HostedPageAssets {
  /** The element's server renderer. */
  readonly renderer: ElementRenderer;
  /** The hosted page's script, served at /progressive-profile-hosted.js. */
  readonly script: string | Buffer;
}

export const RENDERER_FILE = 'progressive-profile-ssr.js';
export const SCRIPT_FILE = 'progressive-profile-hosted.js';

// dist/ seen from this file run from source (server/ssr/) and from the built server (dist/server/).
const DIST_CANDIDATES = ['../../dist/', '../'];

/**
 * The parts from the first of `directories` (URLs of folders) that holds both files; undefined
 * when none does (not built). A renderer that fails to load (a broken build, a missing package)
 * throws: better at start than as a page that never renders.
 */
export async function loadHostedPageAssets(directories: readonly URL[] = DIST_CANDIDATES.map((path) => new URL(path, import.meta.url))): Promise<HostedPageAssets | undefined> {
  for (const directory of directories) {
    const rendererUrl = new URL(RENDERER_FILE, directory);
    let script: Buffer;
    try {
      script = await readFile(new URL(SCRIPT_FILE, directory));
      await access(rendererUrl);
    } catch {
      continue;
    }
    const renderer = (await import(rendererUrl.href)) as ElementRenderer;
    if (typeof renderer.renderElement !== 'function' || typeof renderer.ELEMENT_STYLES !== 'string' || !Array.isArray(renderer.LANGUAGES)) {
      throw new TypeError(`${rendererUrl.pathname}: not the element's server renderer (rebuild with \`npm run build:widget\`)`);
    }
    return { renderer, script };
  }
  return undefined;
}
