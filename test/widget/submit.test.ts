/// <reference types="mocha" />
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import {
  captureContinueForms,
  $,
  $$,
  CONTINUE,
  FORM,
  SESSION,
  TOKEN,
  deferred,
  errorOf,
  fillRequired,
  formOf,
  inputOf,
  json,
  mount,
  noticeOf,
  reset,
  settled,
  stubFetch,
  submit,
  type,
} from './helpers.js';

const continueForms = captureContinueForms();
const { submitted } = continueForms;

describe('<progressive-profile> submitting', () => {
  beforeEach(() => continueForms.start());
  afterEach(() => {
    continueForms.stop();
    reset();
  });

  it('posts typed values to /submit and resumes the login with a top-level POST of the token', async () => {
    const calls = stubFetch(FORM, () => json(200, CONTINUE));
    const element = await mount(SESSION);
    await fillRequired(element);
    await type(element, 'Job title', '  Chief Tinkerer  ');
    await type(element, 'Team size', '12');
    await type(element, 'Birthday', '1990-02-28');
    await type(element, 'Website', '');
    const success = oneEvent(element, 'pp-success');
    await submit(element);
    const event = await success;
    expect(event.detail).to.deep.equal({ continueUrl: CONTINUE.continue_url, sessionToken: CONTINUE.session_token });
    expect(event.cancelable).to.equal(true);
    const post = calls[1];
    expect(post).to.include({ url: 'https://profile.example.com/submit', method: 'POST', credentials: 'omit' });
    expect(post.body).to.deep.equal({
      state: 'S1',
      session_token: TOKEN,
      values: {
        company_name: 'Acme',
        job_title: 'Chief Tinkerer',
        team_size: 12,
        country: 'mx',
        birthday: '1990-02-28',
        newsletter: false,
        terms: true,
      },
    });
    expect(submitted).to.have.length(1);
    const form = submitted[0];
    expect(form.parentNode).to.equal(document.body);
    expect(form.method).to.equal('post');
    expect(form.action).to.equal(CONTINUE.continue_url);
    expect([...new FormData(form)]).to.deep.equal([['session_token', CONTINUE.session_token]]);
    expect(form.action).not.to.include(CONTINUE.session_token);
  });

  it('leaves the continuation to the page when pp-success is canceled', async () => {
    stubFetch(formOf(['company_name']), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    element.addEventListener('pp-success', (event) => event.preventDefault());
    await type(element, 'Company', 'Acme');
    const success = oneEvent(element, 'pp-success');
    await submit(element);
    await success;
    expect(submitted).to.have.length(0);
    expect(document.body.querySelector('form')).to.equal(null);
  });

  it('reads "Done", not "Saving…", and sends nothing more once the page continues the login itself', async () => {
    const calls = stubFetch(formOf(['company_name'], true), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    element.addEventListener('pp-success', (event) => event.preventDefault());
    await type(element, 'Company', 'Acme');
    const success = oneEvent(element, 'pp-success');
    await submit(element);
    await success;
    await element.updateComplete;
    const button = $(element, '[part="submit-button"]');
    expect(button.textContent!.trim()).to.equal('Done');
    expect(button.getAttribute('aria-busy')).to.equal('false');
    expect(button.getAttribute('aria-disabled')).to.equal('true');
    expect($(element, '[part="skip-button"]').getAttribute('aria-disabled')).to.equal('true');
    await submit(element);
    $(element, '[part="skip-button"]').click();
    await element.updateComplete;
    expect(calls.filter((call) => call.method === 'POST')).to.have.length(1);
    expect(submitted).to.have.length(0);
  });

  it('refuses a continue_url that is not http or https', async () => {
    stubFetch(formOf(['company_name']), () =>
      json(200, { continue_url: 'javascript:alert(1)', session_token: 'T2' }),
    );
    const element = await mount(SESSION);
    await type(element, 'Company', 'Acme');
    const failure = oneEvent(element, 'pp-error');
    await submit(element);
    expect((await failure).detail.code).to.equal('invalid_response');
    expect(submitted).to.have.length(0);
  });

  it('shows progress and sends only once however often the user presses submit', async () => {
    const answer = deferred();
    const calls = stubFetch(formOf(['company_name']), () => answer.promise);
    const element = await mount(SESSION);
    await type(element, 'Company', 'Acme');
    let submits = 0;
    element.addEventListener('pp-submit', () => submits++);
    await submit(element);
    const button = $(element, '[part="submit-button"]');
    expect(button.getAttribute('aria-busy')).to.equal('true');
    expect(button.textContent!.trim()).to.equal('Saving…');
    await submit(element);
    await submit(element);
    expect(calls.filter((call) => call.method === 'POST')).to.have.length(1);
    expect(submits).to.equal(1);
    answer.release(json(200, CONTINUE));
    await waitUntil(() => submitted.length === 1);
  });

  it("shows the server's field errors beside each field, taken included, and focuses the first", async () => {
    stubFetch(formOf(['job_title', 'company_name']), () =>
      json(422, {
        error: 'invalid_fields',
        message: 'Some values are not valid.',
        fields: { job_title: 'too_long', company_name: 'taken' },
      }),
    );
    const element = await mount(SESSION);
    await type(element, 'Company', 'Acme');
    await type(element, 'Job title', 'Boss');
    const failure = oneEvent(element, 'pp-error');
    await submit(element);
    expect((await failure).detail).to.deep.equal({ code: 'invalid_fields', message: 'Please correct the marked fields.' });
    await settled(element);
    expect(errorOf(element, 'Company')).to.equal('Already in use.');
    expect(errorOf(element, 'Job title')).to.equal('At most 50 characters.');
    expect(element.shadowRoot!.activeElement).to.equal(inputOf(element, 'Job title'));
    expect(noticeOf(element)).to.equal('Please correct the marked fields.');
    await type(element, 'Company', 'Acme Two');
    expect(errorOf(element, 'Company')).to.equal(null);
    expect(inputOf(element, 'Job title').value).to.equal('Boss');
  });

  for (const [code, status, expected] of [
    ['session_expired', 401, 'Your session has expired.'],
    ['invalid_session', 401, 'This link is not valid.'],
    ['session_used', 409, 'This form was already sent.'],
    ['email_unverified', 403, 'Verify your email address first.'],
    ['identity_exists', 409, 'This email already has an account: sign in with it.'],
  ] as const) {
    it(`ends the form after ${code}: "Sign in again" is the only way on, and what was typed stays in the draft`, async () => {
      const calls = stubFetch(formOf(['company_name'], true), () => json(status, { error: code, message: '…' }));
      const element = await mount(`restart-url="/login?again=1" ${SESSION}`);
      await type(element, 'Company', 'Acme');
      const failure = oneEvent(element, 'pp-error');
      await submit(element);
      expect((await failure).detail).to.deep.equal({ code, message: expected });
      await element.updateComplete;
      expect(noticeOf(element)).to.equal(`${expected} Sign in again`);
      expect($(element, '[part="restart-link"]').getAttribute('href')).to.equal('/login?again=1');
      expect($$(element, 'button')).to.deep.equal([]);
      expect(inputOf(element, 'Company').value).to.equal('Acme');
      // Enter in a field sends nothing more; what is typed now still reaches the draft.
      await type(element, 'Company', 'Acme Two');
      inputOf(element, 'Company').form!.requestSubmit();
      await element.updateComplete;
      expect(calls.filter((call) => call.method === 'POST')).to.have.length(1);
      expect(JSON.parse(sessionStorage.getItem('pp-draft:auth0|alice')!)).to.deep.equal({ company_name: 'Acme Two' });
      expect(sessionStorage.getItem('pp-session')).to.equal(null);
    });
  }

  it('refuses to skip after skip_not_allowed: the notice says so and the skip button goes', async () => {
    const calls = stubFetch(formOf(['company_name'], true), (call) =>
      call.url.endsWith('/skip') ? json(403, { error: 'skip_not_allowed', message: '…' }) : json(200, CONTINUE),
    );
    const element = await mount(SESSION);
    const failure = oneEvent(element, 'pp-error');
    $(element, '[part="skip-button"]').click();
    expect((await failure).detail).to.deep.equal({ code: 'skip_not_allowed', message: 'This form cannot be skipped.' });
    await settled(element);
    expect(noticeOf(element)).to.equal('This form cannot be skipped.');
    expect($$(element, '[part="skip-button"]')).to.have.length(0);
    await type(element, 'Company', 'Acme');
    await submit(element);
    await waitUntil(() => submitted.length === 1, 'the submit did not continue the login');
    expect(calls.slice(1).map((call) => new URL(call.url).pathname)).to.deep.equal(['/skip', '/submit']);
  });

  for (const [status, code] of [
    [502, 'upstream_error'],
    [503, 'upstream_unavailable'],
    [504, 'upstream_timeout'],
    [429, 'rate_limited'],
  ] as const) {
    it(`offers to try again after ${code}, keeping everything typed`, async () => {
      let attempts = 0;
      const calls = stubFetch(formOf(['company_name', 'job_title']), () =>
        ++attempts === 1 ? json(status, { error: code, message: '…' }) : json(200, CONTINUE),
      );
      const element = await mount(SESSION);
      await type(element, 'Company', 'Acme');
      await type(element, 'Job title', 'Boss');
      const failure = oneEvent(element, 'pp-error');
      await submit(element);
      expect((await failure).detail.code).to.equal(code);
      await settled(element);
      expect(noticeOf(element)).to.match(code === 'rate_limited' ? /^Too many attempts/ : /^Your profile could not be saved/);
      expect(noticeOf(element)).to.match(/Try again$/);
      expect(inputOf(element, 'Company').value).to.equal('Acme');
      expect(inputOf(element, 'Job title').value).to.equal('Boss');
      $(element, '[part="retry-button"]').click();
      await waitUntil(() => submitted.length === 1, 'the retry did not continue the login');
      const posts = calls.filter((call) => call.method === 'POST');
      expect(posts).to.have.length(2);
      expect(posts[1].body).to.deep.equal(posts[0].body);
    });
  }

  it('offers to try again when the network fails', async () => {
    let attempts = 0;
    stubFetch(formOf(['company_name']), () => {
      if (++attempts === 1) throw new TypeError('Failed to fetch');
      return json(200, CONTINUE);
    });
    const element = await mount(SESSION);
    await type(element, 'Company', 'Acme');
    const failure = oneEvent(element, 'pp-error');
    await submit(element);
    expect((await failure).detail).to.deep.equal({ code: 'network_error', message: 'The server could not be reached.' });
    await settled(element);
    expect(inputOf(element, 'Company').value).to.equal('Acme');
    $(element, '[part="retry-button"]').click();
    await waitUntil(() => submitted.length === 1, 'the retry did not continue the login');
  });

  it('offers to try again when the answer cannot be read', async () => {
    stubFetch(formOf(['company_name']), () => new Response('<html>Bad gateway</html>', { status: 200 }));
    const element = await mount(SESSION);
    await type(element, 'Company', 'Acme');
    const failure = oneEvent(element, 'pp-error');
    await submit(element);
    expect((await failure).detail.code).to.equal('invalid_response');
    await settled(element);
    expect($(element, '[part="retry-button"]').textContent).to.equal('Try again');
    expect(inputOf(element, 'Company').value).to.equal('Acme');
  });

  it('shows a generic message for invalid_request, without retry or restart', async () => {
    stubFetch(formOf(['company_name']), () => json(400, { error: 'invalid_request', message: 'Bad body.' }));
    const element = await mount(`restart-url="/login" ${SESSION}`);
    await type(element, 'Company', 'Acme');
    const failure = oneEvent(element, 'pp-error');
    await submit(element);
    expect((await failure).detail).to.deep.equal({ code: 'invalid_request', message: 'Something went wrong.' });
    await settled(element);
    expect(noticeOf(element)).to.equal('Something went wrong.');
    expect($$(element, '[part="retry-button"], [part="restart-link"]')).to.have.length(0);
  });

  it('skips: fires pp-skip, posts the session to /skip and continues the login', async () => {
    const calls = stubFetch(formOf(['company_name'], true), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    const skip = oneEvent(element, 'pp-skip');
    $(element, '[part="skip-button"]').click();
    await skip;
    await waitUntil(() => submitted.length === 1, 'the skip did not continue the login');
    const post = calls[1];
    expect(post.url).to.equal('https://profile.example.com/skip');
    expect(post.body).to.deep.equal({ state: 'S1', session_token: TOKEN });
    expect([...new FormData(submitted[0])]).to.deep.equal([['session_token', CONTINUE.session_token]]);
  });

  it('retries a failed skip as a skip', async () => {
    let attempts = 0;
    const calls = stubFetch(formOf(['company_name'], true), () =>
      ++attempts === 1 ? json(503, { error: 'upstream_unavailable', message: '…' }) : json(200, CONTINUE),
    );
    const element = await mount(SESSION);
    const failure = oneEvent(element, 'pp-error');
    $(element, '[part="skip-button"]').click();
    await failure;
    await settled(element);
    $(element, '[part="retry-button"]').click();
    await waitUntil(() => submitted.length === 1);
    expect(calls.slice(1).map((call) => call.url)).to.deep.equal([
      'https://profile.example.com/skip',
      'https://profile.example.com/skip',
    ]);
  });
});
