/// <reference types="mocha" />
// The phone field: a country picker named by Intl.DisplayNames in the form's language and a number
// input, sent as one international string; the calling codes come in a chunk that only forms with
// a tel field load, from the bundle's server, under a strict CSP; without it the field still works.
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { FormDefinition } from '../../common/wire.js';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';
import { callingCodes } from '../../widget/calling-codes.js';
import { closePages, openPage, SERVER } from './frames.js';
import { $, $$, CONTINUE, R2_FORM, SESSION, hintOf, inputOf, json, mount, r2FormOf, reset, stubFetch, submit, type } from './helpers.js';

const MOBILE = R2_FORM.fields.find((field) => field.id === 'mobile')!;

function pickerOf(element: ProgressiveProfile): HTMLSelectElement {
  return $(element, '[part="country"]') as HTMLSelectElement;
}

function optionTexts(select: HTMLSelectElement): string[] {
  return [...select.options].map((option) => option.textContent!.trim());
}

async function pick(element: ProgressiveProfile, country: string): Promise<void> {
  const picker = pickerOf(element);
  picker.value = country;
  picker.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  await element.updateComplete;
}

/** Submits and resolves with the values of POST /submit; the page continues the login itself. */
async function sentValues(element: ProgressiveProfile, calls: { method: string; body?: any }[]): Promise<unknown> {
  element.addEventListener('pp-success', (event) => event.preventDefault());
  const success = oneEvent(element, 'pp-success');
  await submit(element);
  await success;
  return calls.filter((call) => call.method === 'POST').at(-1)!.body.values;
}

describe('<progressive-profile> phone field', () => {
  afterEach(reset);

  it("offers the field's countries named in English, sorted, its default country chosen", async () => {
    stubFetch(r2FormOf(['mobile']));
    const element = await mount(SESSION);
    const picker = pickerOf(element);
    expect(picker.localName).to.equal('select');
    expect(picker.getAttribute('aria-label')).to.equal('Mobile, country');
    expect(optionTexts(picker)).to.deep.equal(['Choose…', 'Mexico +52', 'Spain +34', 'United States +1']);
    expect(picker.value).to.equal('ES');
    expect(inputOf(element, 'Mobile').type).to.equal('tel');
    expect(inputOf(element, 'Mobile').autocomplete).to.equal('tel');
  });

  it('names and sorts the countries in Spanish for a Spanish form', async () => {
    stubFetch(r2FormOf(['mobile']));
    const element = await mount(`lang="es" ${SESSION}`);
    expect(optionTexts(pickerOf(element))).to.deep.equal(['Elige…', 'España +34', 'Estados Unidos +1', 'México +52']);
    expect(pickerOf(element).value).to.equal('ES');
  });

  it("sends + the chosen country's calling code and the national number", async () => {
    const calls = stubFetch(r2FormOf(['mobile']), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    await type(element, 'Mobile', ' 612 34 56 78 ');
    expect(await sentValues(element, calls)).to.deep.equal({ mobile: '+34 612 34 56 78' });
  });

  it('is chosen and typed with the keyboard alone', async () => {
    const calls = stubFetch(r2FormOf(['mobile']), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    pickerOf(element).focus();
    // Choose…, Mexico, Spain, United States: up from Spain is Mexico.
    await sendKeys({ press: 'ArrowUp' });
    await sendKeys({ press: 'Tab' });
    expect(element.shadowRoot!.activeElement).to.equal(inputOf(element, 'Mobile'));
    await sendKeys({ type: '55 1234 5678' });
    await element.updateComplete;
    expect(pickerOf(element).value).to.equal('MX');
    expect(await sentValues(element, calls)).to.deep.equal({ mobile: '+52 55 1234 5678' });
  });

  it('sends a number typed with + as it is, whatever the country', async () => {
    const calls = stubFetch(r2FormOf(['mobile']), () => json(200, CONTINUE));
    const element = await mount(SESSION);
    await type(element, 'Mobile', '+1 415 555 0123');
    expect(await sentValues(element, calls)).to.deep.equal({ mobile: '+1 415 555 0123' });
  });

  it('offers every country when the field names none, with none chosen without a default, and sends what was typed', async () => {
    const calls = stubFetch({ allow_skip: false, fields: [{ ...MOBILE, countries: undefined, default_country: undefined }] }, () =>
      json(200, CONTINUE),
    );
    const element = await mount(SESSION);
    expect(pickerOf(element).options).to.have.length(1 + Object.keys(callingCodes).length);
    expect(pickerOf(element).value).to.equal('');
    await type(element, 'Mobile', '612345678');
    expect(await sentValues(element, calls)).to.deep.equal({ mobile: '612345678' });
  });

  it('comes back from the draft with its country', async () => {
    stubFetch(r2FormOf(['mobile']));
    const first = await mount(SESSION);
    await pick(first, 'US');
    await type(first, 'Mobile', '415 555 0123');
    expect(JSON.parse(sessionStorage.getItem('pp-draft:auth0|alice')!)).to.deep.equal({ mobile: ['US', '415 555 0123'] });
    first.remove();
    const again = await mount(SESSION);
    expect(pickerOf(again).value).to.equal('US');
    expect(inputOf(again, 'Mobile').value).to.equal('415 555 0123');
  });

  it('copes with countries that are not a list, unknown countries and a hostile default', async () => {
    stubFetch({
      allow_skip: false,
      fields: [
        { ...MOBILE, id: 'a', label: 'A', countries: 'ES', default_country: '__proto__' },
        { ...MOBILE, id: 'b', label: 'B', countries: ['XX', 'constructor', 7, 'MX'], default_country: { toString: 'ES' } },
      ],
    } as unknown as FormDefinition);
    const element = await mount(SESSION);
    const [a, b] = $$(element, '[part="country"]') as HTMLSelectElement[];
    expect(a.options).to.have.length(1 + Object.keys(callingCodes).length);
    expect(a.value).to.equal('');
    expect(optionTexts(b)).to.deep.equal(['Choose…', 'Mexico +52']);
    expect(b.value).to.equal('');
  });
});

describe('the phone chunk', () => {
  afterEach(closePages);

  const chunkRequests = (window: Window) =>
    window.performance
      .getEntriesByType('resource')
      .map((entry) => entry.name)
      .filter((name) => /calling-codes/.test(name));

  for (const module of ['bundle', 'source']) {
    it(`is loaded only by a form with a tel field, from the server's origin, under the strict CSP (${module})`, async () => {
      const plain = await openPage(`module=${module}`);
      expect(chunkRequests(plain.window)).to.deep.equal([]);
      const phone = await openPage(`module=${module}&form=phone`);
      await waitUntil(() => phone.element.shadowRoot!.querySelector('[part="country"]'), 'no country picker');
      const expected = module === 'bundle' ? `${SERVER}/__build__/progressive-profile-calling-codes.js` : `${SERVER}/widget/calling-codes.ts`;
      expect(chunkRequests(phone.window)).to.deep.equal([expected]);
      expect(chunkRequests(plain.window)).to.deep.equal([]);
      expect((phone.element.shadowRoot!.querySelector('[part="country"]') as HTMLSelectElement).value).to.equal('ES');
      await type(phone.element, 'Mobile', '612345678');
      phone.element.addEventListener('pp-success', (event) => event.preventDefault());
      const success = oneEvent(phone.element, 'pp-success');
      $(phone.element, '[part="submit-button"]').click();
      await success;
      expect(phone.window.violations).to.deep.equal([]);
      expect(plain.window.violations).to.deep.equal([]);
      expect(phone.window.warnings).to.deep.equal([]);
    });
  }

  it('failing to load leaves a plain international number input that says so, and the form works', async () => {
    const { window, element } = await openPage('module=bundle-no-chunk&form=phone');
    expect(element.shadowRoot!.querySelector('[part="country"]')).to.equal(null);
    const input = inputOf(element, 'Mobile');
    expect(input.type).to.equal('tel');
    expect(hintOf(input)).to.equal('Start with + and the country code.');
    expect(window.warnings).to.have.length(1);
    expect(window.warnings[0]).to.match(/calling codes/);
    await type(element, 'Mobile', '+34 612 345 678');
    element.addEventListener('pp-success', (event) => event.preventDefault());
    const success = oneEvent(element, 'pp-success');
    $(element, '[part="submit-button"]').click();
    await success;
    expect(window.violations).to.deep.equal([]);
  });
});
