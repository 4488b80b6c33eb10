// The element's shadow styles, adopted as a constructable stylesheet (no <style> element, so a page
// whose policy is `style-src 'self'` styles it; Lit falls back to a <style> with `window.litNonce`
// only in a browser without adoptedStyleSheets). Colours come from `--pp-*` custom properties with
// light and dark defaults; the dark ones apply for `theme="dark"`, or when the page prefers dark
// and no theme is set. Kept terse on purpose: every byte here ships inside the bundle budget.
import { unsafeCSS } from 'lit';

// Tags the templates for editors and for the build's template minifier; the result is plain text,
// a constant of this module that `unsafeCSS` turns into the same CSSResult Lit's own `css` tag
// makes. Lit's `css` would cost 150 B gzip more (its guard against interpolating runtime values,
// which these templates never do), and the bundle has no 150 B to spare.
const css = String.raw;

const dark = css`
  --_fg: var(--pp-color-text, #e6edf3);
  --_bg: var(--pp-color-background, #0d1117);
  --_muted: var(--pp-color-muted, #9198a1);
  --_border: var(--pp-color-border, #7d8590);
  --_accent: var(--pp-color-accent, #4493f8);
  --_on-accent: var(--pp-color-accent-text, #0d1117);
  --_error: var(--pp-color-error, #ff7b72);
  color-scheme: dark;
`;

export const styles = unsafeCSS(css`
  :host {
    --_fg: var(--pp-color-text, #1f2328);
    --_bg: var(--pp-color-background, #fff);
    --_muted: var(--pp-color-muted, #59636e);
    --_border: var(--pp-color-border, #818b98);
    --_accent: var(--pp-color-accent, #0969da);
    --_on-accent: var(--pp-color-accent-text, #fff);
    --_error: var(--pp-color-error, #c4242c);
    --_space: var(--pp-spacing, 1rem);
    color-scheme: light;
    display: block;
    max-width: var(--pp-max-width, 30rem);
    padding: var(--_space);
    font-family: var(--pp-font-family, inherit);
    color: var(--_fg);
    background: var(--_bg);
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([theme='dark']) {
    ${dark}
  }
  * {
    box-sizing: border-box;
    margin: 0;
  }
  form,
  div {
    display: grid;
    gap: 0.25rem;
  }
  form {
    gap: var(--_space);
  }
  span,
  .error {
    color: var(--_error);
  }
  .error:empty {
    position: absolute;
  }
  .hint {
    color: var(--_muted);
  }
  .hint,
  .error {
    font-size: 0.875em;
  }
  input,
  select,
  button {
    min-height: 44px;
    padding: 0.5rem 0.75rem;
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--pp-radius, 6px);
  }
  input,
  select {
    width: 100%;
  }
  [aria-invalid='true'] {
    border: 2px solid var(--_error);
  }
  .checkbox {
    grid-template-columns: auto 1fr;
    align-items: center;
    column-gap: 0.5rem;
  }
  .checkbox input {
    order: -1;
    width: 1.5rem;
    min-height: 1.5rem;
    accent-color: var(--_accent);
  }
  .checkbox p {
    grid-column: 1 / -1;
  }
  :focus-visible {
    outline: var(--pp-focus-ring, 3px solid var(--_accent));
    outline-offset: 2px;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  button {
    padding-inline: 1.25rem;
    border-color: var(--_accent);
    cursor: pointer;
  }
  label,
  button,
  a {
    font-weight: 600;
  }
  button,
  a {
    color: var(--_accent);
  }
  .submit {
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .checkbox label,
  a {
    display: flex;
    align-items: center;
    min-height: 44px;
  }
  [role='alert']:not(:empty) {
    justify-items: start;
    gap: 0.5rem;
    padding: 0.5rem 1rem;
    border-inline-start: 4px solid var(--_error);
  }
`);
