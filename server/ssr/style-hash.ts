// The hosted page's styles are inline (<style>): a linked stylesheet inside a declarative shadow
// root holds up the paint of the form that follows it until it loads. The page's policy allows
// each by the hash of its exact text, so nothing else inline runs or styles the page.
import { createHash } from 'node:crypto';

/** A `style-src` source allowing a `<style>` element whose text is exactly `css`: `'sha256-…'`. */
export function hashStyle(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}
