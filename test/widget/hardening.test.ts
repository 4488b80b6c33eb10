/// <reference types="mocha" />
// The widget against a broken or hostile server and hostile text: every garbage answer becomes a
// retryable error that keeps what was typed, it never navigates to a non-http(s) URL, and text from
// the token, the form or a draft is rendered as text, never as markup.
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';
import { $, captureContinueForms, CONTINUE, formOf, inputOf, json, mount, reset, stubFetch, submit, tokenFor, type } from './helpers.js';

const continueForms = captureContinueForms();
const { submitted } = continueForms;
const SESSION = `endpoint="https://profile.example.com" state="S1" session-token="${tokenFor({ sub: 'auth0|mallory', iat: 1, exp: 2 })}"`;

async function settled(element: ProgressiveProfile): Promise<void> {
  await waitUntil(() => $(element, '[part="submit-button"]').getAttribute('aria-busy') === 'false', 'still busy');
  await element.updateComplete;
}

function text(body: string, status = 200, contentType = 'application/json'): Response {
  return new Response(body, { status, headers: { 'content-type': contentType } });
}

const GARBAGE: ReadonlyArray<[string, () => Response]> = [
  ['an HTML page with status 200', () => text('<!doctype html><h1>Welcome</h1>', 200, 'text/html')],
  ['an HTML error page with status 502', () => text('<html><body>Bad gateway</body></html>', 502, 'text/html')],
  ['truncated JSON', () => text('{"continue_url":"https://acme.eu.auth0.com/continue?state=S1","session_tok')],
  ['an empty body', () => text('')],
  ['200 without continue_url', () => json(200, { session_token: 'T2' })],
  ['200 without session_token', () => json(200, { continue_url: CONTINUE.continue_url })],
  ['a continue_url that is not a string', () => json(200, { continue_url: { href: 'https://acme.eu.auth0.com' }, session_token: 'T2' })],
  ['a javascript: continue_url', () => json(200, { continue_url: 'javascript:alert(document.domain)', session_token: 'T2' })],
  ['a JavaScript: continue_url in mixed case', () => json(200, { continue_url: 'JavaScript:alert(1)//https://x', session_token: 'T2' })],
  ['a javascript: continue_url behind whitespace', () => json(200, { continue_url: ' \tjavascript:alert(1)', session_token: 'T2' })],
  ['a data: continue_url', () => json(200, { continue_url: 'data:text/html,<script>alert(1)</script>', session_token: 'T2' })],
  ['a vbscript: continue_url', () => json(200, { continue_url: 'vbscript:msgbox(1)', session_token: 'T2' })],
  ['a protocol-relative continue_url', () => json(200, { continue_url: '//evil.example/continue', session_token: 'T2' })],
  ['an error status without an error code', () => json(500, { oops: true })],
];

describe('<progressive-profile> against a hostile or broken server', () => {
  beforeEach(() => continueForms.start());
  afterEach(() => {
    continueForms.stop();
    reset();
  });

  for (const [name, answer] of GARBAGE) {
    it(`shows a retryable error for ${name}, keeps the values and never navigates`, async () => {
      let attempts = 0;
      stubFetch(formOf(['company_name']), () => (++attempts === 1 ? answer() : json(200, CONTINUE)));
      const element = await mount(SESSION);
      await type(element, 'Company', 'Acme <b>Corp</b>');
      const failure = oneEvent(element, 'pp-error');
      await submit(element);
      expect((await failure).detail.code).to.equal('invalid_response');
      await settled(element);
      expect(submitted).to.have.length(0);
      expect(inputOf(element, 'Company').value).to.equal('Acme <b>Corp</b>');
      $(element, '[part="retry-button"]').click();
      await waitUntil(() => submitted.length === 1, 'the retry did not continue the login');
      expect(submitted[0]!.action).to.equal(CONTINUE.continue_url);
    });
  }

  it('shows a retryable error when the connection drops mid-answer, and never navigates', async () => {
    stubFetch(formOf(['company_name']), () => {
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"continue_url":"https://acme'));
          controller.error(new TypeError('network error'));
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const element = await mount(SESSION);
    await type(element, 'Company', 'Acme');
    const failure = oneEvent(element, 'pp-error');
    await submit(element);
    expect((await failure).detail.code).to.equal('invalid_response');
    await settled(element);
    expect(submitted).to.have.length(0);
    expect(inputOf(element, 'Company').value).to.equal('Acme');
    expect($(element, '[part="retry-button"]')).to.exist;
  });
});

describe('<progressive-profile> renders hostile text as text', () => {
  afterEach(reset);

  const MARKUP = '<img src=x onerror="window.__ppInjected=true"><script>window.__ppInjected=true</script>';

  it('shows an email_hint holding markup as literal text', async () => {
    stubFetch(formOf(['company_name']));
    const token = tokenFor({ sub: 'auth0|mallory', email_hint: MARKUP });
    const element = await mount(`endpoint="https://profile.example.com" state="S1" session-token="${token}"`);
    expect($(element, '[part="email-hint"]').textContent).to.contain(MARKUP);
    expect(element.shadowRoot!.querySelector('img, script')).to.equal(null);
    expect((window as { __ppInjected?: boolean }).__ppInjected).to.equal(undefined);
  });

  it('shows labels, help and options holding markup as literal text', async () => {
    stubFetch({
      allow_skip: false,
      fields: [
        { id: 'company_name', type: 'text', label: MARKUP, help: MARKUP, placeholder: MARKUP, required: true, target: 'user_metadata', unique: false },
        { id: 'plan', type: 'select', label: 'Plan', options: [{ value: 'x', label: MARKUP }], required: false, target: 'user_metadata', unique: false },
      ],
    });
    const element = await mount(SESSION);
    expect(element.shadowRoot!.textContent).to.contain(MARKUP);
    expect(element.shadowRoot!.querySelector('img, script')).to.equal(null);
    expect((window as { __ppInjected?: boolean }).__ppInjected).to.equal(undefined);
  });

  it('restores a drafted value holding markup as the input value, not as markup', async () => {
    stubFetch(formOf(['company_name']));
    const first = await mount(SESSION);
    await type(first, 'Company', MARKUP);
    first.remove();
    const element = await mount(SESSION);
    expect(inputOf(element, 'Company').value).to.equal(MARKUP);
    expect(element.shadowRoot!.querySelector('img, script')).to.equal(null);
    expect((window as { __ppInjected?: boolean }).__ppInjected).to.equal(undefined);
  });
});
