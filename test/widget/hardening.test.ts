/// <reference types="mocha" />
// The widget against a broken or hostile server and hostile text: every garbage answer becomes a
// retryable error that keeps what was typed, it never navigates to a non-http(s) URL, and text from
// the token, the form or a draft is rendered as text, never as markup.
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import type { FormDefinition } from '../../common/wire.js';
import { en } from '../../widget/strings.js';
import {
  $,
  $$,
  captureContinueForms,
  CONTINUE,
  errorOf,
  formOf,
  inputOf,
  json,
  mount,
  NOW_S,
  noticeOf,
  reset,
  settled,
  stubFetch,
  submit,
  tokenFor,
  type,
} from './helpers.js';

const continueForms = captureContinueForms();
const { submitted } = continueForms;
const SESSION = `endpoint="https://profile.example.com" state="S1" session-token="${tokenFor({ sub: 'auth0|mallory', iat: NOW_S, exp: NOW_S + 3600 })}"`;

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

describe('<progressive-profile> against hostile error answers', () => {
  beforeEach(() => continueForms.start());
  afterEach(() => {
    continueForms.stop();
    reset();
  });

  const MESSAGES = new Set(Object.values(en));

  /** Records what the page would see thrown: uncaught errors and unhandled rejections. */
  function watchThrown(): { thrown: unknown[]; stop(): void } {
    const thrown: unknown[] = [];
    const onError = (event: ErrorEvent | PromiseRejectionEvent) => thrown.push('reason' in event ? event.reason : event.error);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onError);
    return {
      thrown,
      stop() {
        window.removeEventListener('error', onError);
        window.removeEventListener('unhandledrejection', onError);
      },
    };
  }

  const HOSTILE: ReadonlyArray<[string, () => Response, string, string | null]> = [
    // [what, answer, pp-error code, the Company field's error text]
    ['a field error code named after an Object.prototype member', () => json(422, { error: 'invalid_fields', fields: { company_name: 'constructor' } }), 'invalid_fields', 'Enter a valid value.'],
    ['a field error on an unknown id named constructor', () => json(422, { error: 'invalid_fields', fields: { x: 'constructor' } }), 'invalid_fields', null],
    ['an __proto__ field id', () => text('{"error":"invalid_fields","fields":{"__proto__":"required","company_name":"toString"}}', 422), 'invalid_fields', 'Enter a valid value.'],
    ['non-string field codes', () => json(422, { error: 'invalid_fields', fields: { company_name: { toString: 1 }, job_title: 42 } }), 'invalid_fields', 'Enter a valid value.'],
    ['fields that are a string', () => json(422, { error: 'invalid_fields', fields: 'constructor' }), 'invalid_fields', null],
    ['fields that are null', () => json(422, { error: 'invalid_fields', fields: null }), 'invalid_fields', null],
    ['an error code toString', () => json(400, { error: 'toString' }), 'toString', null],
    ['an error code __proto__', () => text('{"error":"__proto__"}', 400), '__proto__', null],
    ['an error code constructor', () => json(500, { error: 'constructor', fields: { company_name: 'hasOwnProperty' } }), 'constructor', 'Enter a valid value.'],
    ['an error code that names a non-error string', () => json(400, { error: 'submit' }), 'submit', null],
    ['an error that is not a string', () => json(400, { error: { toString: 'x' } }), 'invalid_response', null],
    ['messages that are a string', () => json(422, { error: 'invalid_fields', fields: { company_name: 'rejected' }, messages: 'constructor' }), 'invalid_fields', 'This value is not accepted.'],
    ['messages that are null', () => json(422, { error: 'invalid_fields', fields: { company_name: 'rejected' }, messages: null }), 'invalid_fields', 'This value is not accepted.'],
    ['messages that are an array', () => json(422, { error: 'invalid_fields', fields: { company_name: 'rejected' }, messages: ['Nope'] }), 'invalid_fields', 'This value is not accepted.'],
    ['a message that is an object', () => json(422, { error: 'invalid_fields', fields: { company_name: 'rejected' }, messages: { company_name: { toString: 'x' } } }), 'invalid_fields', 'This value is not accepted.'],
    ['a message that is a number', () => json(422, { error: 'invalid_fields', fields: { company_name: 'password_policy' }, messages: { company_name: 42 } }), 'invalid_fields', 'This password is too weak.'],
    ['a message of a million characters', () => json(422, { error: 'invalid_fields', fields: { company_name: 'rejected' }, messages: { company_name: 'x'.repeat(1_000_000) } }), 'invalid_fields', 'x'.repeat(200)],
    ['a message under an __proto__ id', () => text('{"error":"invalid_fields","fields":{"company_name":"rejected"},"messages":{"__proto__":"evil","company_name":"Nope"}}', 422), 'invalid_fields', 'Nope'],
    ['a message holding markup', () => json(422, { error: 'invalid_fields', fields: { company_name: 'rejected' }, messages: { company_name: '<img src=x onerror="window.__ppInjected=true">' } }), 'invalid_fields', '<img src=x onerror="window.__ppInjected=true">'],
  ];

  for (const [name, answer, code, fieldError] of HOSTILE) {
    it(`survives ${name}: a known message, no exception, the button usable again`, async () => {
      const watch = watchThrown();
      try {
        let attempts = 0;
        stubFetch(formOf(['company_name']), () => (++attempts === 1 ? answer() : json(200, CONTINUE)));
        const element = await mount(SESSION);
        await type(element, 'Company', 'Acme');
        const failure = oneEvent(element, 'pp-error');
        await submit(element);
        const { detail } = await failure;
        await settled(element);
        expect(detail.code).to.equal(code);
        expect(MESSAGES.has(detail.message), detail.message).to.equal(true);
        const button = $(element, '[part="submit-button"]');
        expect(button.textContent!.trim()).to.equal('Save and continue');
        expect(button.getAttribute('aria-disabled')).to.equal('false');
        expect(MESSAGES.has(noticeOf(element).replace(/ (Try again|Sign in again)$/, ''))).to.equal(true);
        expect(errorOf(element, 'Company')).to.equal(fieldError);
        expect(inputOf(element, 'Company').value).to.equal('Acme');
        expect(element.shadowRoot!.querySelector('img')).to.equal(null);
        expect(watch.thrown).to.deep.equal([]);
        // And the form still works.
        if (fieldError) await type(element, 'Company', 'Acme Two');
        await submit(element);
        await waitUntil(() => submitted.length === 1, 'the second submit did not continue the login');
      } finally {
        watch.stop();
      }
    });
  }

  const BROKEN_FORMS: ReadonlyArray<[string, unknown]> = [
    ['options that are not an array', { id: 'plan', type: 'select', label: 'Plan', options: 'gold', required: true }],
    ['options without string values', { id: 'plan', type: 'select', label: 'Plan', options: [null, { value: 1 }], required: true }],
    ['a pattern the browser cannot compile', { id: 'code', type: 'text', label: 'Code', pattern: '(', required: true }],
    ['a pattern that is not a string', { id: 'code', type: 'text', label: 'Code', pattern: { source: 'x' }, required: true }],
    ['an unknown type', { id: 'code', type: 'file', label: 'Code', required: true }],
    ['radio options that are not an array', { id: 'plan', type: 'radio', label: 'Plan', options: { value: 'x' }, required: true }],
    ['multiselect options without string values', { id: 'topics', type: 'multiselect', label: 'Topics', options: [{ value: ['x'] }], required: true }],
  ];

  for (const [name, broken] of BROKEN_FORMS) {
    it(`leaves out a /form field with ${name}, without an exception`, async () => {
      const watch = watchThrown();
      try {
        stubFetch({ allow_skip: false, fields: [broken, ...formOf(['company_name']).fields] } as FormDefinition);
        const element = await mount(SESSION);
        expect($$(element, '[part="field"]')).to.have.length(1);
        await submit(element);
        expect(errorOf(element, 'Company')).to.equal('This field is required.');
        expect(watch.thrown).to.deep.equal([]);
      } finally {
        watch.stop();
      }
    });
  }

  it('renders revision-2 fields with broken rules without an exception, and links only to http(s) policies', async () => {
    const watch = watchThrown();
    try {
      stubFetch({
        allow_skip: false,
        fields: [
          { id: 'a', type: 'consent', label: 'A', policy_url: 'javascript:window.__ppInjected=true', required: true },
          { id: 'b', type: 'consent', label: 'B', policy_url: { href: 'https://x' }, required: false },
          { id: 'c', type: 'password', label: 'C', password_policy: 'strong', required: false },
          { id: 'd', type: 'password', label: 'D', password_policy: { policy: 'constructor', min_length: '8' }, required: false },
          { id: 'e', type: 'multiselect', label: 'E', minItems: 'two', maxItems: { n: 3 }, options: [{ value: 'x', label: 7 }], required: false },
          { id: 'f', type: 'radio', label: 'F', required: true },
          { id: 'g', type: 'tel', label: 'G', countries: { ES: true }, default_country: 34, required: false },
          { id: 'h', type: 'textarea', label: 'H', maxLength: 'long', required: false },
        ],
      } as unknown as FormDefinition);
      const element = await mount(SESSION);
      expect($$(element, '[part="field"]')).to.have.length(8);
      expect($$(element, '[part="policy-link"]')).to.have.length(0);
      await type(element, 'C', 'secret');
      await type(element, 'H', 'Hello');
      await submit(element);
      expect(errorOf(element, 'A')).to.equal('This field is required.');
      expect(watch.thrown).to.deep.equal([]);
      expect((window as { __ppInjected?: boolean }).__ppInjected).to.equal(undefined);
    } finally {
      watch.stop();
    }
  });

  it('renders a /form field whose texts have the wrong types, without an exception', async () => {
    const watch = watchThrown();
    try {
      stubFetch({
        allow_skip: false,
        fields: [{ id: 'company_name', type: 'text', label: null, help: 7, placeholder: { en: null }, required: true }],
      } as unknown as FormDefinition);
      const element = await mount(SESSION);
      expect($$(element, '[part="field"]')).to.have.length(1);
      expect($(element, '[part="hint"]').textContent).to.equal('7');
      expect(watch.thrown).to.deep.equal([]);
    } finally {
      watch.stop();
    }
  });
});
