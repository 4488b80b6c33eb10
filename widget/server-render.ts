// The element's server renderer: progressive-profile-ssr.js, a module for Node that vite.config.ts
// builds beside the bundles, which the server's hosted page imports to render <progressive-profile>
// into declarative shadow DOM; the page's script (progressive-profile-hosted.js) then hydrates it.
// Both are built from the same sources with the same template minifier, so their templates, and
// with them the markers that hydration matches, are the same.
//
// The shadow root holds a <link rel="stylesheet"> to the element's styles where Lit would write a
// <style>: the hosted page's policy (`style-src 'self'`) allows no inline style, and the stylesheet
// is the element's own `styles`, served by the server (ELEMENT_STYLES).
import { LitElementRenderer, render, type RenderInfo } from '@lit-labs/ssr';
import { collectResultSync } from '@lit-labs/ssr/lib/render-result.js';
import { html, nothing } from 'lit';
import type { ElementRenderer, ElementRenderOptions } from '../common/element-renderer.js';
import { ProgressiveProfile } from './progressive-profile.js';
import { languages } from './strings.js';
import { styles } from './styles.js';

/** The element's stylesheet, as the page links it from the shadow root. */
export const ELEMENT_STYLES: string = styles.cssText;

/** The languages the element's strings are written in (primary subtags: `en`, `es`). */
export const LANGUAGES: readonly string[] = Object.keys(languages);

// Lit's renderer writes `static styles` as a <style>: this class has none, its renderer links them.
class ServerProgressiveProfile extends ProgressiveProfile {
  static override styles = [];
}

customElements.get('progressive-profile') ?? customElements.define('progressive-profile', ServerProgressiveProfile);

const renderers = new Map<string, typeof LitElementRenderer>();

/** A renderer that opens the shadow root with a link to the element's stylesheet at `href`. */
function rendererLinking(href: string): typeof LitElementRenderer {
  let renderer = renderers.get(href);
  if (!renderer) {
    const link = `<link rel="stylesheet" href="${escapeAttribute(href)}">`;
    renderer = class extends LitElementRenderer {
      override renderShadow(renderInfo: RenderInfo) {
        return [link, ...(super.renderShadow(renderInfo) ?? [])];
      }
    };
    renderers.set(href, renderer);
  }
  return renderer;
}

/**
 * The element as HTML (common/element-renderer.ts): its attributes and a declarative shadow root
 * holding what it shows for the decision (the form, or the notice explaining the problem). Its
 * first render in the browser reads `data-form` / `data-problem` and hydrates this one.
 */
export function renderElement({ endpoint, lang, stylesHref, restartUrl, decision }: ElementRenderOptions): string {
  const given = 'form' in decision ? decision : undefined;
  const template = html`<progressive-profile
    endpoint=${endpoint}
    lang=${lang}
    restart-url=${restartUrl ?? nothing}
    data-form=${given ? JSON.stringify(given.form) : nothing}
    data-problem=${'problem' in decision ? decision.problem : nothing}
    .state=${given?.state}
    .sessionToken=${given?.sessionToken}
  ></progressive-profile>`;
  return collectResultSync(render(template, { elementRenderers: [rendererLinking(stylesHref)] }))
    .replace(/ checked="(true|false)"/gu, (_, value: string) => (value === 'true' ? ' checked' : ''))
    .replace(FORM_TAG, `${FORM_TAG} method=dialog`);
}

// Lit's renderer writes a property binding as an attribute holding the value's text: `.checked=${false}`
// as `checked="false"`, which HTML reads as checked. Only such a binding writes these bytes (text
// and attribute values have their quotes escaped), so they are put right after rendering.
//
// Before the script runs, the form has no submit handler: Enter in a field would submit it as a
// GET to the page itself, dropping T1 and whatever was typed. A dialog form outside a dialog does
// nothing on submit; once hydrated, the element's handler takes over. The embed bundle, which
// always has its handler, does without the attribute (and its bytes). The form's opening tag as
// the template minifier writes it (test/server/routes/hosted-page-browser.test.ts presses Enter).
const FORM_TAG = '<form part=form';

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/gu, (character) => `&#${character.charCodeAt(0)};`);
}

// What the server expects of this module.
void ({ renderElement, ELEMENT_STYLES, LANGUAGES } satisfies ElementRenderer);
