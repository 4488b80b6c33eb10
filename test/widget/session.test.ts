/// <reference types="mocha" />
// Who is asked and how a form ends: the tab keeps the session for a reload while T1 lives (never
// in localStorage, never past its exp), a success leaves "Back to the app" rather than a dead end,
// a malformed or expired T1 is known before anything is typed, the language comes from the
// element, T1, the page or English in that order, T1 may forbid skipping, and a T1 that names
// nothing to complete lets the login continue at once.
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';
import {
  $,
  $$,
  CONTINUE,
  FORM,
  NOW_S,
  TOKEN,
  captureConsole,
  captureContinueForms,
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

const ENDPOINT = 'endpoint="https://profile.example.com" restart-url="/login"';
const continueForms = captureContinueForms();
const { submitted } = continueForms;

async function noticeShown(element: ProgressiveProfile): Promise<string> {
  await waitUntil(() => element.shadowRoot!.querySelector('[role="alert"]:not(:empty)'), 'no notice');
  return noticeOf(element);
}

function posts(calls: { method: string }[]): number {
  return calls.filter((call) => call.method === 'POST').length;
}

describe('<progressive-profile> in a tab: reload, Back and the end of a form', () => {
  const originalUrl = location.href;
  let console: ReturnType<typeof captureConsole>;
  beforeEach(() => {
    continueForms.start();
    console = captureConsole();
  });
  afterEach(() => {
    console.restore();
    continueForms.stop();
    history.replaceState(null, '', originalUrl);
    localStorage.clear();
    reset();
  });

  it('keeps state and the session token in sessionStorage, never localStorage, so a reload of the page still works', async () => {
    history.replaceState(null, '', `${originalUrl}&state=S7&session_token=${TOKEN}`);
    const calls = stubFetch(formOf(['company_name']), () => json(200, CONTINUE));
    const first = await mount(ENDPOINT);
    await type(first, 'Company', 'Acme');
    expect(location.href).to.equal(originalUrl);
    expect(JSON.parse(sessionStorage.getItem('pp-session')!)).to.deep.equal({ state: 'S7', token: TOKEN, exp: NOW_S + 3600 });
    expect(localStorage.length).to.equal(0);
    first.remove();
    // The reload: no session in the URL any more.
    const again = await mount(ENDPOINT);
    expect(inputOf(again, 'Company').value).to.equal('Acme');
    await submit(again);
    await waitUntil(() => submitted.length === 1, 'the login did not continue');
    expect(calls.find((call) => call.method === 'POST')!.body).to.include({ state: 'S7', session_token: TOKEN });
    expect(JSON.parse(sessionStorage.getItem('pp-session')!)).to.deep.equal({ finished: true });
    expect(localStorage.length).to.equal(0);
  });

  it('does not use a kept session past its exp, and forgets it', async () => {
    sessionStorage.setItem('pp-session', JSON.stringify({ state: 'S7', token: TOKEN, exp: NOW_S - 1 }));
    const calls = stubFetch(formOf(['company_name']));
    const element = await mount(ENDPOINT, { waitForForm: false });
    expect(await noticeShown(element)).to.equal('Open this page from the sign-in. Sign in again');
    expect(sessionStorage.getItem('pp-session')).to.equal(null);
    expect(calls).to.have.length(0);
  });

  it('keeps nothing for a session token without exp, and replaces what an earlier login kept', async () => {
    sessionStorage.setItem('pp-session', JSON.stringify({ state: 'OLD', token: TOKEN, exp: NOW_S + 60 }));
    stubFetch(formOf(['company_name']));
    await mount(`${ENDPOINT} state="S8" session-token="${tokenFor({ sub: 'auth0|alice' })}"`);
    expect(sessionStorage.getItem('pp-session')).to.equal(null);
  });

  it('after a success, a reload shows that the form is done with "Back to the app"', async () => {
    stubFetch(formOf(['company_name']), () => json(200, CONTINUE));
    const first = await mount(`${ENDPOINT} state="S1" session-token="${TOKEN}"`);
    await type(first, 'Company', 'Acme');
    await submit(first);
    await waitUntil(() => submitted.length === 1, 'the login did not continue');
    first.remove();
    const calls = stubFetch(formOf(['company_name']));
    const again = await mount(ENDPOINT, { waitForForm: false });
    expect(await noticeShown(again)).to.equal('You are all set. Back to the app');
    expect($(again, '[part="back-link"]').getAttribute('href')).to.equal('/login');
    expect(calls).to.have.length(0);
    expect(console.messages).to.deep.equal([]);
  });

  it('after a success, Back to the page the browser kept shows the same instead of the spent form', async () => {
    stubFetch(formOf(['company_name']), () => json(200, CONTINUE));
    const element = await mount(`${ENDPOINT} state="S1" session-token="${TOKEN}"`);
    await type(element, 'Company', 'Acme');
    await submit(element);
    await waitUntil(() => submitted.length === 1, 'the login did not continue');
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    await element.updateComplete;
    expect(noticeOf(element)).to.equal('You are all set. Back to the app');
    expect($$(element, 'form')).to.have.length(0);
  });

  it('a new session in the URL after a finished one shows the form again', async () => {
    sessionStorage.setItem('pp-session', JSON.stringify({ finished: true }));
    history.replaceState(null, '', `${originalUrl}&state=S9&session_token=${TOKEN}`);
    stubFetch(formOf(['company_name']));
    const element = await mount(ENDPOINT);
    expect(inputOf(element, 'Company')).to.exist;
    expect(JSON.parse(sessionStorage.getItem('pp-session')!).state).to.equal('S9');
  });

  it('without restart-url, "Sign in again" leads to the site root', async () => {
    const element = await mount('endpoint="https://profile.example.com"', { waitForForm: false });
    await noticeShown(element);
    expect($(element, '[part="restart-link"]').getAttribute('href')).to.equal('/');
  });

  for (const [what, token] of [
    ['not a JWT', 'not-a-jwt'],
    ['two parts', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0'],
    ['four parts', `${TOKEN}.x`],
    ['parts that are not base64url', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0=.c2ln'],
    ['a payload that is not JSON', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln'],
    ['a payload that is not valid UTF-8', 'eyJhbGciOiJIUzI1NiJ9.__79.c2ln'],
    ['a payload that is a JSON array', 'eyJhbGciOiJIUzI1NiJ9.WzFd.c2ln'],
    ['an empty signature', `${TOKEN.split('.').slice(0, 2).join('.')}.`],
  ]) {
    it(`knows a session token with ${what} at load: "This link is not valid" and "Sign in again", no form`, async () => {
      const calls = stubFetch(FORM);
      const element = await mount(`${ENDPOINT} state="S1" session-token="${token}"`, { waitForForm: false });
      expect(await noticeShown(element)).to.equal('This link is not valid. Sign in again');
      expect($$(element, 'form, input')).to.have.length(0);
      expect(calls).to.have.length(0);
      expect(console.messages).to.have.length(1);
      expect(console.messages[0]).not.to.include(token);
    });
  }

  it('knows a session token expired by its own exp at load, allowing a minute of clock skew', async () => {
    const calls = stubFetch(formOf(['company_name']));
    const expired = tokenFor({ sub: 'auth0|alice', exp: NOW_S - 90 });
    const element = await mount(`${ENDPOINT} state="S1" session-token="${expired}"`, { waitForForm: false });
    expect(await noticeShown(element)).to.equal('Your session has expired. Sign in again');
    expect(calls).to.have.length(0);
    const skewed = tokenFor({ sub: 'auth0|alice', exp: NOW_S - 30 });
    const usable = await mount(`${ENDPOINT} state="S1" session-token="${skewed}"`);
    expect(inputOf(usable, 'Company')).to.exist;
  });
});

describe('<progressive-profile> who is asked', () => {
  beforeEach(() => continueForms.start());
  afterEach(() => {
    continueForms.stop();
    reset();
  });

  const session = (claims: Record<string, unknown>) =>
    `${ENDPOINT} state="S1" session-token="${tokenFor({ sub: 'auth0|alice', exp: NOW_S + 600, ...claims })}"`;
  const submitText = (element: ProgressiveProfile) => $(element, '[part="submit-button"]').textContent!.trim();

  it("speaks the element's lang over T1's lang claim, T1's over the page's, the page's over English", async () => {
    stubFetch(formOf(['company_name']));
    document.documentElement.lang = 'en';
    expect(submitText(await mount(session({ lang: 'es-419' })))).to.equal('Guardar y continuar');
    expect(submitText(await mount(`lang="en" ${session({ lang: 'es' })}`))).to.equal('Save and continue');
    document.documentElement.lang = 'es';
    expect(submitText(await mount(session({})))).to.equal('Guardar y continuar');
    expect(submitText(await mount(session({ lang: 'en-GB' })))).to.equal('Save and continue');
    document.documentElement.removeAttribute('lang');
    expect(submitText(await mount(session({ lang: 42 })))).to.equal('Save and continue');
  });

  it("shows the loading text in T1's language already", async () => {
    stubFetch(() => new Promise<Response>(() => {}));
    const element = await mount(session({ lang: 'es' }), { waitForForm: false });
    expect($(element, '[role="status"]').textContent).to.equal('Cargando…');
  });

  it('survives a lang claim the browser refuses as a language tag', async () => {
    stubFetch({ allow_skip: false, fields: [{ ...formOf(['phone']).fields[0], default_country: 'ES' }] });
    const element = await mount(session({ lang: 'x!!' }));
    expect(submitText(element)).to.equal('Save and continue');
    expect(($(element, '[part="country"]') as HTMLSelectElement).value).to.equal('ES');
  });

  it('offers no "Remind me later" when T1 says allow_skip: false, even where the form allows skipping', async () => {
    stubFetch(formOf(['company_name'], true));
    expect($$(await mount(session({ allow_skip: false })), '[part="skip-button"]')).to.have.length(0);
    expect($$(await mount(session({ allow_skip: true })), '[part="skip-button"]')).to.have.length(1);
    expect($$(await mount(session({ allow_skip: 'no' })), '[part="skip-button"]')).to.have.length(1);
  });

  for (const fields of [['no_such_field'], []]) {
    it(`says "Nothing to complete" and continues the login at once when T1's fields claim is ${JSON.stringify(fields)}`, async () => {
      const calls = stubFetch(FORM, () => json(200, CONTINUE));
      sessionStorage.setItem('pp-draft:auth0|alice', JSON.stringify({ job_title: 'Boss' }));
      const element = await mount(session({ fields }), { waitForForm: false });
      await waitUntil(() => submitted.length === 1, 'the login did not continue');
      expect($(element, '[role="status"]').textContent).to.equal('Nothing to complete.');
      expect($$(element, 'form, input')).to.have.length(0);
      expect(calls[1].body).to.deep.equal({ state: 'S1', session_token: calls[1].body.session_token, values: {} });
    });
  }

  it('offers "Try again" when continuing with nothing to complete fails', async () => {
    let attempts = 0;
    stubFetch(FORM, () => (++attempts === 1 ? json(503, { error: 'upstream_unavailable', message: '…' }) : json(200, CONTINUE)));
    const element = await mount(session({ fields: ['no_such_field'] }), { waitForForm: false });
    await waitUntil(() => element.shadowRoot!.querySelector('[part="retry-button"]'), 'no Try again');
    expect(noticeOf(element)).to.equal('Your profile could not be saved. Try again');
    const success = oneEvent(element, 'pp-success');
    $(element, '[part="retry-button"]').click();
    await success;
    await waitUntil(() => submitted.length === 1, 'the login did not continue');
  });

  it('asks as usual when the claim names a field the form defines, even an optional one', async () => {
    const calls = stubFetch(FORM, () => json(200, CONTINUE));
    const element = await mount(session({ fields: ['job_title'] }));
    await element.updateComplete;
    expect(inputOf(element, 'Job title')).to.exist;
    expect(posts(calls)).to.equal(0);
    expect(submitted).to.have.length(0);
  });
});
