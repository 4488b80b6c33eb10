// axe-core over the widget, for the browser tests that check accessibility (only those load it:
// it is large).
import { expect } from '@open-wc/testing';
import 'axe-core';
import type { ProgressiveProfile } from '../../widget/progressive-profile.js';

declare const axe: typeof import('axe-core');

/** No axe-core violation in the element, each named with the nodes it is found on. */
export async function expectAccessible(element: ProgressiveProfile): Promise<void> {
  const results = await axe.run(element);
  const problems = results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target).join(', ')}`);
  expect(problems).to.deep.equal([]);
}
