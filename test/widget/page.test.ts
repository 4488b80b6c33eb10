/// <reference types="mocha" />
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { emulateMedia, setViewport } from '@web/test-runner-commands';
import { SERVER } from './frames.js';
import {
  $,
  $$,
  FORM,
  SESSION,
  TOKEN,
  deferred,
  errorOf,
  formOf,
  inputOf,
  json,
  mount,
  noticeOf,
  reset,
  stubFetch,
  submit,
  tokenFor,
  type,
} from './helpers.js';
import { expectAccessible } from './accessibility.js';

const EVENTS = ['pp-ready', 'pp-submit', 'pp-success', 'pp-error', 'pp-skip'] as const;

function recordEvents(): string[] {
  const seen: string[] = [];
  for (const name of EVENTS) document.addEventListener(name, () => seen.push(name));
  return seen;
}

function captureWarnings(): { warnings: unknown[][]; restore: () => void } {
  const warnings: unknown[][] = [];
  const realWarn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args);
  return { warnings, restore: () => (console.warn = realWarn) };
}

describe('<progressive-profile> on the page', () => {
  const originalUrl = location.href;
  afterEach(async () => {
    history.replaceState(null, '', originalUrl);
    await emulateMedia({ colorScheme: 'light' });
    document.body.style.background = '';
    reset();
  });

  it('reads state and session_token from the URL, then removes exactly those two from the address bar', async () => {
    history.replaceState(null, '', `${originalUrl}&state=S9&b=a%20b&session_token=${TOKEN}#step-2`);
    const calls = stubFetch(formOf(['company_name']), () => json(500, {}));
    const element = await mount('endpoint="https://profile.example.com"');
    expect(location.href).to.equal(`${originalUrl}&b=a%20b#step-2`);
    await type(element, 'Company', 'Acme');
    await submit(element);
    await waitUntil(() => calls.length === 2);
    expect(calls[1].body).to.include({ state: 'S9', session_token: TOKEN });
  });

  it('prefers the state and session-token attributes over the URL, and still cleans the URL', async () => {
    history.replaceState(null, '', `${originalUrl}&state=S9&session_token=OTHER`);
    const calls = stubFetch(formOf(['company_name']), () => json(500, {}));
    const element = await mount(SESSION);
    expect(location.href).to.equal(originalUrl);
    await type(element, 'Company', 'Acme');
    await submit(element);
    await waitUntil(() => calls.length === 2);
    expect(calls[1].body).to.include({ state: 'S1', session_token: TOKEN });
  });

  it("saves a draft per user as they type and restores it on the next form for the same user", async () => {
    stubFetch(formOf(['company_name', 'newsletter']));
    const first = await mount(SESSION);
    await type(first, 'Company', 'Acme');
    await type(first, 'Send me news', true);
    expect(JSON.parse(sessionStorage.getItem('pp-draft:auth0|alice')!)).to.deep.equal({ company_name: 'Acme', newsletter: true });
    first.remove();
    const again = await mount(SESSION);
    expect(inputOf(again, 'Company').value).to.equal('Acme');
    expect(inputOf(again, 'Send me news').checked).to.equal(true);
    const other = tokenFor({ sub: 'auth0|bob' });
    const bob = await mount(`endpoint="https://profile.example.com" state="S1" session-token="${other}"`);
    expect(inputOf(bob, 'Company').value).to.equal('');
  });

  it('prunes the draft to the fields the form asks now, and deletes it when none remain', async () => {
    sessionStorage.setItem('pp-draft:auth0|alice', JSON.stringify({ company_name: 'Acme', job_title: 'Boss' }));
    stubFetch(formOf(['company_name']));
    const element = await mount(SESSION);
    expect(inputOf(element, 'Company').value).to.equal('Acme');
    expect(JSON.parse(sessionStorage.getItem('pp-draft:auth0|alice')!)).to.deep.equal({ company_name: 'Acme' });
    element.remove();
    stubFetch(formOf(['country']));
    await mount(SESSION);
    expect(sessionStorage.getItem('pp-draft:auth0|alice')).to.equal(null);
  });

  it('works on when sessionStorage refuses to store', async () => {
    const realSetItem = Storage.prototype.setItem;
    Storage.prototype.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    try {
      stubFetch(formOf(['company_name']));
      const element = await mount(SESSION);
      await type(element, 'Company', 'Acme');
      expect(inputOf(element, 'Company').value).to.equal('Acme');
    } finally {
      Storage.prototype.setItem = realSetItem;
    }
  });

  it('fires pp-ready once when the form is usable, and no other event without a user action', async () => {
    const seen = recordEvents();
    stubFetch(FORM);
    const ready = oneEvent(document, 'pp-ready');
    const element = await mount(SESSION, { waitForForm: false });
    await ready;
    expect(element.shadowRoot!.querySelector('form')).to.exist;
    element.setAttribute('lang', 'es');
    element.theme = 'dark';
    element.strings = { submit: 'Go' };
    element.endpoint = 'https://other.example.com';
    await element.updateComplete;
    inputOf(element, 'Empresa').value = 'Acme';
    await element.updateComplete;
    expect(seen).to.deep.equal(['pp-ready']);
  });

  it('shows a notice and warns once, without throwing, when the endpoint is missing', async () => {
    const { warnings, restore } = captureWarnings();
    const thrown: unknown[] = [];
    const onError = (event: ErrorEvent | PromiseRejectionEvent) => thrown.push(event);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onError);
    try {
      const calls = stubFetch(FORM);
      const element = await mount(`state="S1" session-token="${TOKEN}"`, { waitForForm: false });
      await waitUntil(() => element.shadowRoot!.querySelector('[role="alert"]'));
      expect(noticeOf(element)).to.equal('This form is not set up. Sign in again');
      expect($(element, '[role="alert"]').getAttribute('part')).to.equal('notice');
      expect(warnings).to.have.length(1);
      expect(calls).to.have.length(0);
      expect(thrown).to.deep.equal([]);
    } finally {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onError);
      restore();
    }
  });

  it('shows a notice with a way to sign in again when the page was opened without a session', async () => {
    const { warnings, restore } = captureWarnings();
    try {
      stubFetch(FORM);
      const element = await mount('endpoint="https://profile.example.com" restart-url="/login"', { waitForForm: false });
      await waitUntil(() => element.shadowRoot!.querySelector('[role="alert"]'));
      expect(noticeOf(element)).to.equal('Open this page from the sign-in. Sign in again');
      expect($(element, '[part="restart-link"]').getAttribute('href')).to.equal('/login');
      expect(warnings).to.have.length(1);
      expect(String(warnings[0])).not.to.include(TOKEN);
    } finally {
      restore();
    }
  });

  for (const [why, answer] of [
    ['cannot be reached', () => Promise.reject(new TypeError('Failed to fetch'))],
    ['answers garbage', () => new Response('<html>oops</html>', { status: 200 })],
    ['answers an error', () => json(500, { error: 'internal', message: '…' })],
  ] as const) {
    it(`shows a notice with "Try again" when /form ${why}, and loads the form when it works again`, async () => {
      const { warnings, restore } = captureWarnings();
      try {
        let attempts = 0;
        stubFetch(() => (++attempts === 1 ? (answer as () => Response)() : json(200, formOf(['company_name']))));
        const element = await mount(SESSION, { waitForForm: false });
        await waitUntil(() => element.shadowRoot!.querySelector('[role="alert"]'));
        expect(noticeOf(element)).to.equal('The form could not be loaded. Try again');
        expect(warnings).to.have.length(1);
        const ready = oneEvent(element, 'pp-ready');
        $(element, '[part="retry-button"]').click();
        await ready;
        expect(inputOf(element, 'Company')).to.exist;
        expect(attempts).to.equal(2);
      } finally {
        restore();
      }
    });
  }

  it("names ALLOWED_ORIGINS and this page's origin in one console message when the server refuses the origin (CORS)", async () => {
    const { warnings, restore } = captureWarnings();
    try {
      const endpoint = `${SERVER}/no-cors`;
      // The server is up and answers, only without CORS headers for this page.
      expect((await fetch(`${endpoint}/form`, { mode: 'no-cors' })).type).to.equal('opaque');
      const element = await mount(`endpoint="${endpoint}" state="S1" session-token="${TOKEN}"`, { waitForForm: false });
      await waitUntil(() => element.shadowRoot!.querySelector('[role="alert"]'));
      expect(noticeOf(element)).to.equal('The form could not be loaded. Try again');
      expect(warnings).to.have.length(1);
      const message = warnings[0].join(' ');
      expect(message).to.include('ALLOWED_ORIGINS');
      expect(message).to.include(location.origin);
      expect(message).to.include(`${endpoint}/form`);
      expect(message).not.to.include(TOKEN);
      expect(message).not.to.include('S1');
    } finally {
      restore();
    }
  });

  it('does not blame ALLOWED_ORIGINS when the page and the server share an origin', async () => {
    const { warnings, restore } = captureWarnings();
    try {
      stubFetch(() => Promise.reject(new TypeError('Failed to fetch')));
      const element = await mount(`endpoint="/" state="S1" session-token="${TOKEN}"`, { waitForForm: false });
      await waitUntil(() => element.shadowRoot!.querySelector('[role="alert"]'));
      expect(warnings.map((warning) => warning.join(' '))).to.deep.equal(['<progressive-profile>: GET /form: network_error']);
    } finally {
      restore();
    }
  });

  it('aborts loading when removed, and uses only the latest /form answer once put back', async () => {
    const answers = [deferred(), deferred()];
    const signals: AbortSignal[] = [];
    window.fetch = async (_input: RequestInfo | URL, init?: RequestInit) => {
      signals.push(init!.signal!);
      return answers[signals.length - 1].promise;
    };
    const element = await mount(SESSION, { waitForForm: false });
    let readies = 0;
    element.addEventListener('pp-ready', () => readies++);
    const container = element.parentElement!;
    await waitUntil(() => signals.length === 1, 'no GET /form');
    element.remove();
    expect(signals[0].aborted).to.equal(true);
    container.append(element);
    await waitUntil(() => signals.length === 2, 'no second GET /form');
    // The stale answer comes first and must be dropped; the latest one is used.
    answers[0].release(json(200, formOf(['country'])));
    answers[1].release(json(200, formOf(['company_name'])));
    await waitUntil(() => element.shadowRoot!.querySelector('form'), 'the form never rendered');
    await element.updateComplete;
    expect($$(element, 'label').map((label) => label.textContent!.replace(/[*\s]+$/, ''))).to.deep.equal(['Company']);
    expect(readies).to.equal(1);
  });

  it('does no harm when the script is loaded twice', async () => {
    const first = customElements.get('progressive-profile');
    await import(`../../widget/index.ts?again=${Date.now()}`);
    expect(customElements.get('progressive-profile')).to.equal(first);
  });

  it('fits a 320 px wide screen with touch targets of at least 44 px', async () => {
    await setViewport({ width: 320, height: 640 });
    try {
      stubFetch(formOf(['company_name', 'country', 'newsletter'], true));
      const element = await mount(SESSION);
      expect(element.getBoundingClientRect().right).to.be.at.most(320);
      for (const control of $$(element, 'input:not([type="checkbox"]), select, button')) {
        const box = control.getBoundingClientRect();
        expect(box.right, control.outerHTML).to.be.at.most(320);
        expect(box.height, control.outerHTML).to.be.at.least(44);
      }
      expect($(element, '.checkbox label').getBoundingClientRect().height).to.be.at.least(44);
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });

  for (const theme of ['light', 'dark']) {
    it(`passes axe-core in the ${theme} theme, with errors shown`, async () => {
      // The element has no background of its own: a dark theme sits on a dark page.
      if (theme === 'dark') document.body.style.background = '#0d1117';
      stubFetch(FORM);
      const token = tokenFor({ sub: 'auth0|alice', email_hint: 'a***@example.com' });
      const element = await mount(`theme="${theme}" restart-url="/login" endpoint="https://profile.example.com" state="S1" session-token="${token}"`);
      await expectAccessible(element);
      await submit(element);
      expect(errorOf(element, 'Company')).to.equal('This field is required.');
      await expectAccessible(element);
    });
  }
});
