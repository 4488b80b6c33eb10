/// <reference types="mocha" />
// The element's colours follow the color-scheme it inherits from the page (not the system's
// preference unless the page opts in), `theme` forces one, and it draws no box of its own.
import { expect } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';
import { $, SESSION, formOf, inputOf, mount, reset, stubFetch } from './helpers.js';

const LIGHT = { text: 'rgb(31, 35, 40)', input: 'rgb(255, 255, 255)', scheme: 'light' };
const DARK = { text: 'rgb(230, 237, 243)', input: 'rgb(13, 17, 23)', scheme: 'dark' };

function colours(element: ProgressiveProfile): typeof LIGHT {
  const input = inputOf(element, 'Company');
  return {
    text: getComputedStyle(element).color,
    input: getComputedStyle(input).backgroundColor,
    // What the browser uses for the input's own parts (caret, autofill, scrollbars).
    scheme: schemeOf(input),
  };
}

// An input's used color scheme shows in the system colour `Canvas` it resolves.
function schemeOf(input: HTMLElement): string {
  const probe = document.createElement('span');
  probe.style.color = 'Canvas';
  input.parentElement!.append(probe);
  const canvas = getComputedStyle(probe).color;
  probe.remove();
  return canvas === 'rgb(255, 255, 255)' ? 'light' : 'dark';
}

async function mountOnPage(scheme: string | null, attributes = ''): Promise<ProgressiveProfile> {
  if (scheme) document.documentElement.style.colorScheme = scheme;
  stubFetch(formOf(['company_name']));
  return mount(`${attributes} ${SESSION}`);
}

describe('<progressive-profile> colours', () => {
  afterEach(async () => {
    await emulateMedia({ colorScheme: 'light' });
    document.documentElement.style.colorScheme = '';
    document.querySelector('meta[name="color-scheme"]')?.remove();
    reset();
  });

  it('is light on a page that declares no color-scheme, even on a dark system', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    expect(colours(await mountOnPage(null))).to.deep.equal(LIGHT);
  });

  it('is light on a page that declares color-scheme: light, even on a dark system', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    expect(colours(await mountOnPage('light'))).to.deep.equal(LIGHT);
  });

  it('follows the system on a page that declares color-scheme: light dark', async () => {
    const element = await mountOnPage('light dark');
    expect(colours(element)).to.deep.equal(LIGHT);
    await emulateMedia({ colorScheme: 'dark' });
    expect(colours(element)).to.deep.equal(DARK);
  });

  it('follows the system on a page whose <meta name="color-scheme"> says "light dark"', async () => {
    const meta = Object.assign(document.createElement('meta'), { name: 'color-scheme', content: 'light dark' });
    document.head.append(meta);
    await emulateMedia({ colorScheme: 'dark' });
    expect(colours(await mountOnPage(null))).to.deep.equal(DARK);
  });

  it('is dark on a page that declares color-scheme: dark, even on a light system', async () => {
    expect(colours(await mountOnPage('dark'))).to.deep.equal(DARK);
  });

  it('lets theme="light" or theme="dark" decide, whatever the page and the system say', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const element = await mountOnPage('light dark', 'theme="light"');
    expect(colours(element)).to.deep.equal(LIGHT);
    document.documentElement.style.colorScheme = 'light';
    element.theme = 'dark';
    await element.updateComplete;
    expect(element.getAttribute('theme')).to.equal('dark');
    expect(colours(element)).to.deep.equal(DARK);
    element.removeAttribute('theme');
    expect(colours(element)).to.deep.equal(LIGHT);
  });

  it('takes its colours from the --pp-* custom properties, in either scheme', async () => {
    const element = await mountOnPage('dark');
    element.style.setProperty('--pp-color-text', 'rgb(1, 2, 3)');
    element.style.setProperty('--pp-color-background', 'light-dark(rgb(4, 5, 6), rgb(7, 8, 9))');
    element.style.setProperty('--pp-color-accent', 'rgb(10, 11, 12)');
    expect(getComputedStyle(element).color).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(inputOf(element, 'Company')).backgroundColor).to.equal('rgb(7, 8, 9)');
    expect(getComputedStyle($(element, '[part="submit-button"]')).backgroundColor).to.equal('rgb(10, 11, 12)');
  });
});

describe('<progressive-profile> box', () => {
  afterEach(reset);

  it("draws no box of its own: no padding, background, border or radius, and its content starts at its edges", async () => {
    const element = await mountOnPage(null);
    const style = getComputedStyle(element);
    expect([style.padding, style.backgroundColor, style.borderStyle, style.borderRadius, style.boxShadow]).to.deep.equal([
      '0px',
      'rgba(0, 0, 0, 0)',
      'none',
      '0px',
      'none',
    ]);
    const box = element.getBoundingClientRect();
    const form = $(element, 'form').getBoundingClientRect();
    expect([form.left, form.top]).to.deep.equal([box.left, box.top]);
    // Inputs keep their own background and border.
    const input = getComputedStyle(inputOf(element, 'Company'));
    expect(input.backgroundColor).to.equal('rgb(255, 255, 255)');
    expect(input.borderTopStyle).to.equal('solid');
  });
});
