/// <reference types="mocha" />
// The built bundle (vite.config.ts: minified templates and code) renders exactly what the sources
// render. Two identical pages, one loading widget/index.ts and one the bundle built from it, go
// through the same steps; at each, every element of the shadow tree must have the same tag,
// attributes, value, box and computed style, and the form the same laid-out text and focus.
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';
import { closePages, openPage } from './frames.js';
import { $, blur, type } from './helpers.js';

const STYLE_PROPERTIES = [
  'display',
  'color',
  'background-color',
  'border-top',
  'border-left',
  'padding',
  'margin',
  'gap',
  'font-size',
  'font-weight',
  'font-family',
  'outline',
  'grid-template-columns',
  'color-scheme',
  'max-width',
  'flex-wrap',
  'flex-basis',
  'min-height',
];

function describeRendering(element: ProgressiveProfile): unknown {
  const view = element.ownerDocument.defaultView!;
  const root = element.shadowRoot!;
  const origin = element.getBoundingClientRect();
  const nodes = [element, ...root.querySelectorAll<HTMLElement>('*')];
  return {
    text: (root.querySelector('form') ?? (root.firstElementChild as HTMLElement)).innerText,
    focused: root.activeElement?.id ?? null,
    elements: nodes.map((node) => {
      const box = node.getBoundingClientRect();
      const style = view.getComputedStyle(node);
      return {
        tag: node.tagName,
        attributes: [...node.attributes].map((attribute) => `${attribute.name}=${attribute.value}`).sort(),
        value: node instanceof view.HTMLInputElement ? [node.value, node.checked] : undefined,
        box: [box.x - origin.x, box.y - origin.y, box.width, box.height].map((n) => Math.round(n * 100) / 100),
        style: STYLE_PROPERTIES.map((property) => style.getPropertyValue(property)),
      };
    }),
  };
}

/** Opens the same page twice, from the sources and from the bundle. */
async function openBoth(query: string): Promise<ProgressiveProfile[]> {
  const pages = await Promise.all(['source', 'bundle'].map((module) => openPage(`module=${module}&${query}`)));
  for (const page of pages) expect(page.window.violations).to.deep.equal([]);
  return pages.map((page) => page.element);
}

/**
 * Runs a step on each page, describing each right after its own step: focus lives in one frame at
 * a time, so each frame is focused for its step (as a user's click would) and described at once.
 */
async function expectSameRenderingAfter(
  elements: ProgressiveProfile[],
  step: (element: ProgressiveProfile) => Promise<unknown> = async () => {},
): Promise<void> {
  const descriptions: unknown[] = [];
  for (const element of elements) {
    element.ownerDocument.defaultView!.focus();
    await step(element);
    await element.updateComplete;
    descriptions.push(describeRendering(element));
  }
  const [expected, actual] = descriptions as { elements: unknown[] }[];
  expect(expected.elements.length).to.be.greaterThan(20);
  expect(actual).to.deep.equal(expected);
}

describe('the built bundle renders what the sources render', () => {
  afterEach(closePages);

  it('when loaded, with errors shown, in Spanish and in the dark theme', async () => {
    const elements = await openBoth('state=S1');
    await expectSameRenderingAfter(elements);
    await expectSameRenderingAfter(elements, async (element) => {
      await type(element, 'Company', 'A');
      await blur(element, 'Company');
    });
    await expectSameRenderingAfter(elements, async (element) => {
      $(element, '[part="submit-button"]').click();
      await element.updateComplete;
      await element.updateComplete;
    });
    await expectSameRenderingAfter(elements, async (element) => {
      element.setAttribute('lang', 'es');
      element.theme = 'dark';
    });
  });

  it('for every revision-2 field type: loaded, with errors shown, ticked, typed, with the password shown, and in Spanish', async () => {
    const elements = await openBoth('state=S1&form=r2');
    for (const element of elements) {
      await waitUntil(() => element.shadowRoot!.querySelector('[part="country"]'), 'no country picker');
    }
    await expectSameRenderingAfter(elements);
    await expectSameRenderingAfter(elements, async (element) => {
      $(element, '[part="submit-button"]').click();
      await element.updateComplete;
      await element.updateComplete;
    });
    await expectSameRenderingAfter(elements, async (element) => {
      for (const box of element.shadowRoot!.querySelectorAll<HTMLInputElement>('fieldset input')) {
        box.checked = true;
        box.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      }
      await type(element, 'About you', 'One\ntwo');
      await type(element, 'Mobile', '612 345 678');
      await type(element, 'Password', 'secret');
      $(element, '[part="password-toggle"]').click();
    });
    await expectSameRenderingAfter(elements, async (element) => {
      element.setAttribute('lang', 'es');
      element.theme = 'dark';
    });
  });

  for (const [state, control] of [
    ['upstream', 'retry-button'],
    ['expired', 'restart-link'],
  ]) {
    it(`after a failed submit that offers a ${control}`, async () => {
      const elements = await openBoth(`state=${state}`);
      await expectSameRenderingAfter(elements, async (element) => {
        await type(element, 'Company', 'Acme');
        await type(element, 'Country', 'mx');
        await type(element, 'I accept the terms', true);
        const failure = oneEvent(element, 'pp-error');
        $(element, '[part="submit-button"]').click();
        await failure;
        await waitUntil(() => element.shadowRoot!.querySelector(`[part="${control}"]`), `no ${control}`);
      });
    });
  }
});
