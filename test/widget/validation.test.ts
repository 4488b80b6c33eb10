/// <reference types="mocha" />
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { $, $$, SESSION, blur, errorOf, formOf, inputOf, mount, noticeOf, reset, stubFetch, submit, type } from './helpers.js';

describe('<progressive-profile> validation', () => {
  afterEach(reset);

  it('stays quiet while a field is first typed, then validates it as the user types once it was left', async () => {
    stubFetch(formOf(['company_name']));
    const element = await mount(SESSION);
    await type(element, 'Company', 'A');
    expect(errorOf(element, 'Company')).to.equal(null);
    expect(inputOf(element, 'Company').getAttribute('aria-invalid')).to.equal('false');
    await blur(element, 'Company');
    expect(errorOf(element, 'Company')).to.equal('At least 2 characters.');
    expect(inputOf(element, 'Company').getAttribute('aria-invalid')).to.equal('true');
    await type(element, 'Company', 'Ac');
    expect(errorOf(element, 'Company')).to.equal(null);
  });

  it('refuses an empty required field on submit, focuses it and announces a summary', async () => {
    const calls = stubFetch(formOf(['job_title', 'company_name']));
    const element = await mount(SESSION);
    await submit(element);
    await element.updateComplete;
    expect(errorOf(element, 'Company')).to.equal('This field is required.');
    expect(errorOf(element, 'Job title')).to.equal(null);
    expect(element.shadowRoot!.activeElement).to.equal(inputOf(element, 'Company'));
    expect(noticeOf(element)).to.equal('Please correct the marked fields.');
    expect(calls).to.have.length(1);
    await type(element, 'Company', 'Acme');
    expect(noticeOf(element)).to.equal('');
  });

  it('refuses a value longer than maxLength (too_long)', async () => {
    stubFetch(formOf(['company_name']));
    const element = await mount(SESSION);
    await type(element, 'Company', 'x'.repeat(21));
    await blur(element, 'Company');
    expect(errorOf(element, 'Company')).to.equal('At most 20 characters.');
  });

  it('refuses a value that does not match the pattern', async () => {
    stubFetch(formOf(['job_title']));
    const element = await mount(SESSION);
    await type(element, 'Job title', 'Engineer 2');
    await blur(element, 'Job title');
    expect(errorOf(element, 'Job title')).to.equal('Invalid format.');
    await type(element, 'Job title', 'Engineer');
    expect(errorOf(element, 'Job title')).to.equal(null);
  });

  it('refuses an option the field does not offer (invalid_option)', async () => {
    stubFetch(formOf(['country']));
    const element = await mount(SESSION);
    const select = inputOf(element, 'Country');
    const forged = document.createElement('option');
    forged.value = 'xx';
    select.append(forged);
    await type(element, 'Country', 'xx');
    await blur(element, 'Country');
    expect(errorOf(element, 'Country')).to.equal('Choose an option.');
  });

  it('refuses malformed emails, URLs, phone numbers and half-typed numbers (invalid_format)', async () => {
    stubFetch(formOf(['work_email', 'website', 'phone', 'team_size']));
    const element = await mount(SESSION);
    await type(element, 'Work email', 'alice@');
    await type(element, 'Website', 'ftp://example.com');
    await type(element, 'Phone', 'call me');
    for (const label of ['Work email', 'Website', 'Phone']) await blur(element, label);
    expect(errorOf(element, 'Work email')).to.equal('Enter a valid value.');
    expect(errorOf(element, 'Website')).to.equal('Enter a valid value.');
    expect(errorOf(element, 'Phone')).to.equal('Enter a valid value.');
    inputOf(element, 'Team size').focus();
    await sendKeys({ type: '1e' });
    await blur(element, 'Team size');
    expect(errorOf(element, 'Team size')).to.equal('Enter a valid value.');
    expect(inputOf(element, 'Team size').validity.badInput).to.equal(true);
  });

  it('requires a required checkbox to be ticked', async () => {
    stubFetch(formOf(['terms']));
    const element = await mount(SESSION);
    await submit(element);
    expect(errorOf(element, 'J’accepte les conditions')).to.equal('This field is required.');
    await type(element, 'J’accepte les conditions', true);
    expect(errorOf(element, 'J’accepte les conditions')).to.equal(null);
  });

  it('can be filled and sent with the keyboard alone', async () => {
    const calls = stubFetch(formOf(['company_name', 'country']));
    const element = await mount(SESSION);
    element.addEventListener('pp-success', (event) => event.preventDefault());
    inputOf(element, 'Company').focus();
    await sendKeys({ type: 'Acme' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'Tab' });
    expect(element.shadowRoot!.activeElement).to.equal($(element, '[part="submit-button"]'));
    await sendKeys({ press: 'Enter' });
    await element.updateComplete;
    expect(calls.filter((call) => call.method === 'POST')).to.have.length(1);
  });

  it('announces a field error as it appears: its container is a live region before the error comes', async () => {
    stubFetch(formOf(['company_name', 'country']));
    const element = await mount(SESSION);
    const containers = $$(element, '[aria-live]');
    expect(containers).to.have.length(2);
    for (const container of containers) {
      expect(container.getAttribute('aria-live')).to.equal('polite');
      expect(container.textContent!.trim()).to.equal('');
      expect(container.hasAttribute('part'), 'part="error" only while it shows one').to.equal(false);
      expect(getComputedStyle(container).display).not.to.equal('none');
      expect(getComputedStyle(container).visibility).to.equal('visible');
    }
    await type(element, 'Company', 'A');
    await blur(element, 'Company');
    const [company, country] = $$(element, '[aria-live]');
    expect(company, 'the same node, so the new text is a change inside a live region').to.equal(containers[0]);
    expect(company.textContent!.trim()).to.equal('At least 2 characters.');
    expect(company.getAttribute('part')).to.equal('error');
    expect(inputOf(element, 'Company').getAttribute('aria-describedby')).to.include(company.id);
    await submit(element);
    expect(country).to.equal(containers[1]);
    expect(country.textContent!.trim()).to.equal('This field is required.');
    expect(element.shadowRoot!.activeElement).to.equal(inputOf(element, 'Company'));
    await type(element, 'Company', 'Acme');
    expect(company.textContent!.trim()).to.equal('');
    expect(company.hasAttribute('part')).to.equal(false);
    expect(inputOf(element, 'Company').getAttribute('aria-invalid')).to.equal('false');
  });
});
