// The element's shadow styles, adopted as a constructable stylesheet (no <style> element, so a page
// whose policy is `style-src 'self'` styles it; Lit falls back to a <style> with `window.litNonce`
// only in a browser without adoptedStyleSheets). Colours come from `--pp-*` custom properties
// whose defaults are `light-dark()` pairs: they follow the `color-scheme` the element inherits
// from the page (none declared, or `light`: light, even on a dark system; `light dark`: the
// system's; `dark`: dark), and `theme` sets the scheme itself. The element draws no box of its
// own (no background, frame or padding), so it sits in the host's card as the host's text does.
// Kept terse on purpose: every byte here ships inside the bundle budget.
import { unsafeCSS } from 'lit';

// Tags the template for editors and for the build's template minifier; the result is plain text,
// a constant of this module that `unsafeCSS` turns into the same CSSResult Lit's own `css` tag
// makes. Lit's `css` would cost 150 B gzip more (its guard against interpolating runtime values,
// which this template never does), and the bundle has no 150 B to spare.
const css = String.raw;

export const styles = unsafeCSS(css`
  :host {
    --_fg: var(--pp-color-text, light-dark(#1f2328, #e6edf3));
    --_bg: var(--pp-color-background, light-dark(#fff, #0d1117));
    --_muted: var(--pp-color-muted, light-dark(#59636e, #9198a1));
    --_border: var(--pp-color-border, light-dark(#818b98, #7d8590));
    --_accent: var(--pp-color-accent, light-dark(#0969da, #4493f8));
    --_on-accent: var(--pp-color-accent-text, light-dark(#fff, #0d1117));
    --_error: var(--pp-color-error, light-dark(#c4242c, #ff7b72));
    --_space: var(--pp-spacing, 1rem);
    display: block;
    max-width: var(--pp-max-width, 30rem);
    font-family: var(--pp-font-family, inherit);
    color: var(--_fg);
  }
  :host([theme='light']) {
    color-scheme: light;
  }
  :host([theme='dark']) {
    color-scheme: dark;
  }
  * {
    box-sizing: border-box;
    margin: 0;
  }
  form,
  div,
  fieldset {
    display: grid;
    gap: 0.25rem;
  }
  form {
    gap: var(--_space);
  }
  fieldset,
  legend {
    min-width: 0;
    padding: 0;
    border: 0;
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
  textarea,
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
  select,
  textarea {
    width: 100%;
  }
  textarea {
    resize: vertical;
  }
  [aria-invalid='true'] {
    border: 2px solid var(--_error);
  }
  .checkbox,
  .consent {
    grid-template-columns: auto 1fr;
    align-items: center;
    column-gap: 0.5rem;
  }
  .checkbox input,
  .consent input,
  label input {
    order: -1;
    width: 1.5rem;
    min-height: 1.5rem;
    accent-color: var(--_accent);
  }
  .checkbox p,
  .consent p {
    grid-column: 1/-1;
  }
  .consent a {
    grid-column: 2;
    justify-self: start;
  }
  .row>* {
    flex: 1 1 10rem;
    min-width: 0;
  }
  .row button {
    flex: none;
  }
  :focus-visible {
    outline: var(--pp-focus-ring, 3px solid var(--_accent));
    outline-offset: 2px;
  }
  .row,
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
  [part='label'],
  button,
  a {
    font-weight: 600;
  }
  button,
  a {
    color: var(--_accent);
  }
  .submit,
  [aria-pressed='true'] {
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .checkbox label,
  .consent label,
  [part='option'],
  a {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    min-height: 44px;
  }
  [role='alert']:not(:empty) {
    justify-items: start;
    gap: 0.5rem;
    padding: 0.5rem 1rem;
    border-inline-start: 4px solid var(--_error);
  }
  [role='alert']:has([part='back-link']) {
    border-color: var(--_accent);
  }
`);
