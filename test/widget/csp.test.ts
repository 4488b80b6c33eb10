/// <reference types="mocha" />
// The widget on a page whose Content-Security-Policy response header is as strict as CONTRACT.md
// says a site may make it: `default-src 'self'; script-src 'self' SERVER; style-src 'self';
// connect-src SERVER`. The element (its sources, and the bundle built from them) must come up
// styled and usable with no violation reported; with `window.litNonce` it must also style itself
// in a browser without adoptedStyleSheets. Controls show that the header really is enforced.
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';
import { closePages, openPage, SERVER } from './frames.js';
import { $, type } from './helpers.js';

// What the fake server's POST /submit answers (strict-csp-pages.mjs).
const CONTINUE = { continueUrl: 'https://acme.eu.auth0.com/continue?state=S1', sessionToken: 'T2.continue.token' };
const STRICT_POLICY = `default-src 'self'; script-src 'self' ${SERVER}; style-src 'self'; connect-src ${SERVER}`;
// Set only by the element's stylesheet: the host's max-width (30rem) and the submit button's colour.
const STYLED = { maxWidth: '480px', submitBackground: 'rgb(9, 105, 218)' };

function stylingOf(element: ProgressiveProfile): { maxWidth: string; submitBackground: string } {
  const view = element.ownerDocument.defaultView!;
  return {
    maxWidth: view.getComputedStyle(element).maxWidth,
    submitBackground: view.getComputedStyle($(element, '[part="submit-button"]')).backgroundColor,
  };
}

async function fillAndSubmit(element: ProgressiveProfile): Promise<CustomEvent> {
  await type(element, 'Company', 'Acme');
  await type(element, 'Country', 'us');
  await type(element, 'I accept the terms', true);
  // The host continues itself here, so the test page stays where it is.
  element.addEventListener('pp-success', (event) => event.preventDefault());
  const success = oneEvent(element, 'pp-success');
  $(element, '[part="submit-button"]').click();
  return success;
}

describe('<progressive-profile> under a strict Content-Security-Policy header', () => {
  afterEach(closePages);

  it('is served with exactly the strict policy, as a response header', async () => {
    const response = await fetch('/csp/page.html?module=bundle');
    expect(response.headers.get('content-security-policy')).to.equal(STRICT_POLICY);
    expect(await response.text()).not.to.match(/<meta[^>]+http-equiv/i);
  });

  it('reports a violation for an inline style on that page (the header is enforced)', async () => {
    const { window } = await openPage('module=bundle&control=inline-style');
    await waitUntil(() => window.violations.length > 0, 'no violation was reported for an inline <style>');
    expect(window.violations[0]).to.match(/^style-src/);
  });

  for (const module of ['source', 'bundle']) {
    it(`comes up styled and usable with no violation (${module})`, async () => {
      const { window, element } = await openPage(`module=${module}`);
      expect(stylingOf(element)).to.deep.equal(STYLED);
      expect(element.shadowRoot!.adoptedStyleSheets).to.have.length(1);
      expect(element.shadowRoot!.querySelector('style')).to.equal(null);
      const success = await fillAndSubmit(element);
      expect(success.detail).to.deep.equal(CONTINUE);
      expect($(element, '[part="submit-button"]').textContent!.trim()).to.equal('Done');
      expect(window.violations).to.deep.equal([]);
    });

    it(`uses adoptedStyleSheets even when the page sets window.litNonce (${module})`, async () => {
      const { window, element } = await openPage(`module=${module}&nonce=n0nce`);
      expect(window.litNonce).to.equal('n0nce');
      expect(stylingOf(element)).to.deep.equal(STYLED);
      expect(element.shadowRoot!.adoptedStyleSheets).to.have.length(1);
      expect(element.shadowRoot!.querySelector('style')).to.equal(null);
      await fillAndSubmit(element);
      expect(window.violations).to.deep.equal([]);
    });

    it(`styles itself through a <style nonce> from window.litNonce without adoptedStyleSheets (${module})`, async () => {
      const { window, element } = await openPage(`module=${module}&nonce=n0nce&adopted=off`);
      expect(stylingOf(element)).to.deep.equal(STYLED);
      const style = element.shadowRoot!.querySelector('style')!;
      expect(style.nonce).to.equal('n0nce');
      await fillAndSubmit(element);
      expect(window.violations).to.deep.equal([]);
    });
  }

  it('is blocked without window.litNonce in a browser without adoptedStyleSheets (the control)', async () => {
    const { window, element } = await openPage('module=bundle&adopted=off');
    await waitUntil(() => window.violations.length > 0, 'no violation was reported for the un-nonced <style>');
    expect(window.violations[0]).to.match(/^style-src/);
    expect(stylingOf(element).maxWidth).to.equal('none');
  });
});

declare global {
  interface Window {
    litNonce?: string;
  }
}
