// Opens the dev server's strict-CSP pages (strict-csp-pages.mjs) in iframes of the test page, so a
// test can drive the <progressive-profile> inside with the usual helpers and read what the page saw.
import { waitUntil } from '@open-wc/testing';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';

export interface FramedPage {
  frame: HTMLIFrameElement;
  window: Window & typeof globalThis & { violations: string[]; warnings: string[] };
  element: ProgressiveProfile;
}

const frames: HTMLIFrameElement[] = [];

/** The origin the fake server answers on: the dev server reached through 127.0.0.1. */
export const SERVER = `http://127.0.0.1:${location.port}`;

/** Loads /csp/page.html with these query parameters and waits for the element's form (or not). */
export async function openPage(query: string, { waitForForm = true } = {}): Promise<FramedPage> {
  const frame = document.createElement('iframe');
  frame.width = '600';
  frame.height = '1000';
  frame.src = `/csp/page.html?${query}`;
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  frames.push(frame);
  await loaded;
  const element = frame.contentDocument!.querySelector('progressive-profile')!;
  if (waitForForm) {
    await waitUntil(() => element.shadowRoot?.querySelector('form'), `the form never rendered (${query})`, { timeout: 4000 });
  }
  return { frame, window: frame.contentWindow as FramedPage['window'], element };
}

export function closePages(): void {
  for (const frame of frames.splice(0)) frame.remove();
}
