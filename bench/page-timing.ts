// One cold page load in headless Chromium (a fresh browser context, the cache disabled), timed
// inside the page from navigation start:
// - the form's first paint: the first animation frame in which its submit button is laid out
//   (and, for the widget, styled), checked frame by frame from a script that runs before the page's;
// - usable: `pp-ready` for the widget; DOMContentLoaded for the plain form, which needs no script;
// - the steps in between: each resource's arrival, and when the module defined the element.
import type { Browser } from 'playwright-core';

/** The plain HTML form (the floor), the server's hosted page (rendered on the server), a site owner's page embedding the bundle. */
export type PageKind = 'floor' | 'hosted' | 'embedded';

export interface PageTiming {
  /** ms from navigation start to the first frame showing the form. */
  formPaintMs: number;
  /** ms to a usable form: `pp-ready` (widget) or DOMContentLoaded (plain form). */
  readyMs: number;
  firstContentfulPaintMs?: number;
  domContentLoadedMs: number;
  /** The page's HTML fully received. */
  htmlMs: number;
  /** Widget pages: the module (the bundle, or the hosted page's script) received, and when it defined <progressive-profile>. */
  scriptLoadedMs?: number;
  definedMs?: number;
  /** Embedded page: GET /form answered. */
  formLoadedMs?: number;
}

// Plain JavaScript, not a function of this module: a transpiler's helpers (tsx names functions
// through one) do not exist in the page.
const MARKS_SCRIPT = `(() => {
  const marks = (window.__ppBench = {});
  document.addEventListener('pp-ready', () => (marks.ready ??= performance.now()), { capture: true });
  document.addEventListener('DOMContentLoaded', () => {
    marks.domContentLoaded = performance.now();
    marks.hasPlainInput = document.querySelector('form input') !== null;
  });
  const define = customElements.define;
  customElements.define = function (name, ...rest) {
    if (name === 'progressive-profile') marks.defined ??= performance.now();
    return define.call(this, name, ...rest);
  };
  // A frame's animation callbacks run just before it paints: the first one that finds the submit
  // button laid out (and the widget's styles applied) is the frame that shows the form.
  const onFrame = (time) => {
    const element = document.querySelector('progressive-profile');
    const button = (element ? element.shadowRoot : document)?.querySelector('button');
    const isStyled = !element || (button && getComputedStyle(button).minHeight === '44px');
    if (button && button.getBoundingClientRect().height > 0 && isStyled) marks.formPaint = time;
    else requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);
})();`;

const SCRIPT_NAMES: Record<PageKind, string | undefined> = {
  floor: undefined,
  hosted: '/progressive-profile-hosted.js',
  embedded: '/progressive-profile.js',
};

export async function measurePage(browser: Browser, url: string, kind: PageKind): Promise<PageTiming> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    // Resource timing reports no sizes for the embedded page's cross-origin requests: the browser says.
    let cachedResponses = 0;
    cdp.on('Network.requestServedFromCache', () => (cachedResponses += 1));
    cdp.on('Network.responseReceived', ({ response }) => {
      if (response.fromDiskCache || response.fromPrefetchCache || response.fromServiceWorker) cachedResponses += 1;
    });
    // Runs before any script of the page (CDP injection, so the hosted page's CSP does not apply).
    await page.addInitScript({ content: MARKS_SCRIPT });
    await page.goto(url, { waitUntil: 'load' });
    await page
      .waitForFunction(
      (isWidget) => {
        const marks = (window as unknown as { __ppBench: Record<string, unknown> }).__ppBench;
        return marks.formPaint !== undefined && marks.domContentLoaded !== undefined && (isWidget ? marks.ready !== undefined : marks.hasPlainInput === true);
      },
      kind !== 'floor',
      { timeout: 15_000 },
    )
      .catch(async (error: unknown) => {
        const marks = await page.evaluate(() => JSON.stringify((window as unknown as { __ppBench: unknown }).__ppBench));
        throw new Error(`${kind} page: no usable form within 15 s (marks ${marks})`, { cause: error });
      });
    const measured = await page.evaluate(() => {
      const marks = (window as unknown as { __ppBench: Record<string, number | boolean | undefined> }).__ppBench;
      const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const resources = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((entry) => ({
        path: new URL(entry.name).pathname,
        responseEnd: entry.responseEnd,
      }));
      return {
        marks,
        html: navigation.responseEnd,
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
        resources,
        widgetInputs: document.querySelector('progressive-profile')?.shadowRoot?.querySelectorAll('input, select').length ?? 0,
      };
    });
    const { marks } = measured;
    const arrival = (path: string | undefined) => measured.resources.find((entry) => entry.path === path)?.responseEnd;
    if (kind !== 'floor') {
      if (measured.widgetInputs === 0) throw new Error(`${kind} page: the widget never showed a usable form`);
      if (cachedResponses > 0) throw new Error(`${kind} page: a resource came from a cache: the run was not cold`);
    }
    return {
      formPaintMs: marks.formPaint as number,
      readyMs: kind === 'floor' ? (marks.domContentLoaded as number) : (marks.ready as number),
      firstContentfulPaintMs: measured.fcp,
      domContentLoadedMs: marks.domContentLoaded as number,
      htmlMs: measured.html,
      scriptLoadedMs: arrival(SCRIPT_NAMES[kind]),
      definedMs: marks.defined as number | undefined,
      formLoadedMs: kind === 'embedded' ? arrival('/form') : undefined,
    };
  } finally {
    await context.close();
  }
}
