/// <reference types="mocha" />
import { expect } from '@open-wc/testing';
import { $, $$, FORM, SESSION, TOKEN, formOf, inputOf, mount, reset, stubFetch, tokenFor } from './helpers.js';

describe('<progressive-profile> rendering', () => {
  afterEach(reset);

  it('renders every field of the /form answer with its type, autocomplete and required mark', async () => {
    const calls = stubFetch(FORM);
    const element = await mount(SESSION);
    expect(calls).to.have.length(1);
    expect(calls[0]).to.include({ url: 'https://profile.example.com/form', method: 'GET', credentials: 'same-origin' });
    const labels = $$(element, 'label').map((label) => label.textContent!.replace(/\s+/g, ' ').trim());
    expect(labels).to.deep.equal([
      'Company *',
      'Job title',
      'Team size',
      'Country *',
      'Website',
      'Phone',
      'Work email',
      'Birthday',
      'Send me news',
      'J’accepte les conditions *',
    ]);
    const company = inputOf(element, 'Company');
    expect(company.type).to.equal('text');
    expect(company.required).to.equal(true);
    expect(company.autocomplete).to.equal('organization');
    expect(company.placeholder).to.equal('Acme Inc.');
    expect(company.getAttribute('aria-describedby')).to.equal($(element, '[part="hint"]').id);
    expect($(element, '[part="hint"]').textContent).to.equal('Where you work');
    expect(inputOf(element, 'Job title').required).to.equal(false);
    expect(inputOf(element, 'Team size').type).to.equal('number');
    expect(inputOf(element, 'Team size').getAttribute('inputmode')).to.equal('decimal');
    expect(inputOf(element, 'Website').type).to.equal('url');
    expect(inputOf(element, 'Phone').type).to.equal('tel');
    expect(inputOf(element, 'Work email').type).to.equal('email');
    expect(inputOf(element, 'Birthday').type).to.equal('date');
    expect(inputOf(element, 'Birthday').autocomplete).to.equal('bday');
    expect(inputOf(element, 'Send me news').type).to.equal('checkbox');
    const country = inputOf(element, 'Country');
    expect(country.tagName).to.equal('SELECT');
    expect(country.required).to.equal(true);
    expect([...country.options].map((option) => [option.value, option.textContent!.trim()])).to.deep.equal([
      ['', 'Choose…'],
      ['mx', 'Mexico'],
      ['us', 'United States'],
    ]);
    const marks = $$(element, '[part="required-mark"]');
    expect(marks).to.have.length(3);
    expect(marks.every((mark) => mark.getAttribute('aria-hidden') === 'true')).to.equal(true);
    expect($$(element, '[part="skip-button"]')).to.have.length(0);
  });

  it('joins the endpoint without doubling or dropping slashes, relative to the page', async () => {
    const calls = stubFetch(formOf(['job_title']));
    await mount(`endpoint="https://profile.example.com/pp///" state="S1" session-token="${TOKEN}"`);
    await mount(`endpoint="/" state="S1" session-token="${TOKEN}"`);
    await mount(`endpoint="/prefix" state="S1" session-token="${TOKEN}"`);
    expect(calls.map((call) => call.url)).to.deep.equal([
      'https://profile.example.com/pp/form',
      `${location.origin}/form`,
      `${location.origin}/prefix/form`,
    ]);
  });

  it('asks only for the required fields the session token names, plus every optional one', async () => {
    stubFetch(FORM);
    const token = tokenFor({ sub: 'auth0|alice', fields: ['country', 'no_such_field'] });
    const element = await mount(`endpoint="https://profile.example.com" state="S1" session-token="${token}"`);
    const ids = $$(element, '[part="label"]').map((label) => label.textContent!.replace(/[*\s]+$/, '').trim());
    expect(ids).to.deep.equal(['Job title', 'Team size', 'Country', 'Website', 'Phone', 'Work email', 'Birthday', 'Send me news']);
  });


  it('shows whose profile is being completed when the token carries an email hint', async () => {
    stubFetch(FORM);
    const token = tokenFor({ sub: 'auth0|alice', email_hint: 'a***@example.com' });
    const element = await mount(`endpoint="https://profile.example.com" state="S1" session-token="${token}"`);
    expect($(element, '[part="email-hint"]').textContent).to.equal('Completing the profile of a***@example.com');
  });

  it('speaks Spanish when its lang attribute says so, with English and then the first label as fallbacks', async () => {
    stubFetch(FORM);
    const token = tokenFor({ sub: 'auth0|alice', email_hint: 'a***@example.com' });
    const element = await mount(`lang="es" endpoint="https://profile.example.com" state="S1" session-token="${token}"`);
    expect(inputOf(element, 'Empresa').placeholder).to.equal('Acme S.A.');
    expect($(element, '[part="hint"]').textContent).to.equal('Dónde trabajas');
    expect([...inputOf(element, 'País').options].map((option) => option.textContent!.trim())).to.deep.equal([
      'Elige…',
      'México',
      'United States',
    ]);
    inputOf(element, 'J’accepte les conditions');
    inputOf(element, 'Job title');
    expect($(element, '[part="email-hint"]').textContent).to.equal('Completando el perfil de a***@example.com');
    expect($(element, '[part="submit-button"]').textContent!.trim()).to.equal('Guardar y continuar');
    element.setAttribute('lang', 'en');
    await element.updateComplete;
    expect($(element, '[part="submit-button"]').textContent!.trim()).to.equal('Save and continue');
    inputOf(element, 'Company');
  });

  it("follows the page's language, regional tags included, when it has no lang of its own", async () => {
    document.documentElement.lang = 'es-MX';
    stubFetch(FORM);
    const element = await mount(SESSION);
    expect($(element, '[part="submit-button"]').textContent!.trim()).to.equal('Guardar y continuar');
    inputOf(element, 'Empresa');
  });

  it('falls back to English for a language it does not bundle', async () => {
    stubFetch(FORM);
    const element = await mount(`lang="fr" ${SESSION}`);
    expect($(element, '[part="submit-button"]').textContent!.trim()).to.equal('Save and continue');
    inputOf(element, 'J’accepte les conditions');
  });

  it('lets the page override any string', async () => {
    stubFetch(FORM);
    const element = await mount(`lang="es" ${SESSION}`);
    element.strings = { submit: 'Enviar', choose: '—' };
    await element.updateComplete;
    expect($(element, '[part="submit-button"]').textContent!.trim()).to.equal('Enviar');
    expect(inputOf(element, 'País').options[0].textContent).to.equal('—');
    expect(inputOf(element, 'Empresa')).to.exist;
  });

  it('offers "Remind me later" only when the form allows skipping', async () => {
    stubFetch(formOf(['company_name'], true));
    const element = await mount(SESSION);
    expect($(element, '[part="skip-button"]').textContent!.trim()).to.equal('Remind me later');
  });
});
