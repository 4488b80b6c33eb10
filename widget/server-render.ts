// The element's server renderer: progressive-profile-ssr.js, a module for Node that vite.config.ts
// builds beside the bundles, which the server's hosted page imports to render <progressive-profile>
// into declarative shadow DOM; the page's script (progressive-profile-hosted.js) then hydrates it.
// Both are built from the same sources with the same template minifier, so their templates, and
// with them the markers that hydration matches, are the same.
//
// The shadow root opens with the element's own `styles` as a <style> holding exactly ELEMENT_STYLES:
// the hosted page's policy allows that one inline style by its hash, computed by the server from
// ELEMENT_STYLES. Inline rather than linked: Chromium holds the paint of whatever follows a shadow
// root's <link rel="stylesheet"> until the stylesheet loads. Hydration keeps the <style> (it sits
// outside the template's markers) and styles the element with it.
import { LitElementRenderer, render, type RenderInfo } from '@lit-labs/ssr';
import { collectResultSync } from '@lit-labs/ssr/lib/render-result.js';
import { html, nothing } from 'lit';
import type { ElementRenderer, ElementRenderOptions } from '../common/element-renderer.js';
import { ProgressiveProfile } from './progressive-profile.js';
import { languages } from './strings.js';
import { styles } from './styles.js';

/** The element's stylesheet, as every rendered shadow root holds it (its bytes are what the page's policy hashes). */
export const ELEMENT_STYLES: string = styles.cssText;

// Text in a <style> ends at the first `</style`: stylesheet text holding one would end it early.
if (/<\/style/iu.test(ELEMENT_STYLES)) throw new Error('the element\'s styles hold `</style`, which cannot be inlined');

/** The languages the element's strings are written in (primary subtags: `en`, `es`). */
export const LANGUAGES: readonly string[] = Object.keys(languages);

// Lit's renderer writes `static styles` as a <style> of its own making: this class has none, its
// renderer writes ELEMENT_STYLES itself, byte for byte.
class ServerProgressiveProfile extends ProgressiveProfile {
  static override styles = [];
}

customElements.get('progressive-profile') ?? customElements.define('progressive-profile', ServerProgressiveProfile);

const STYLE_ELEMENT = `<style>${ELEMENT_STYLES}</style>`;

/** Lit's element renderer, with the shadow root opening with the element's styles inline. */
class InlineStylesRenderer extends LitElementRenderer {
  override renderShadow(renderInfo: RenderInfo) {
    return [STYLE_ELEMENT, ...(super.renderShadow(renderInfo) ?? [])];
  }
}

/**
 * The element as HTML (common/element-renderer.ts): its attributes and a declarative shadow root
 * holding what it shows for the decision (the form, or the notice explaining the problem). Its
 * first render in the browser reads `data-form` / `data-problem` and hydrates this one.
 */
export function renderElement({ endpoint, lang, restartUrl, decision }: ElementRenderOptions): string {
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
  return collectResultSync(render(template, { elementRenderers: [InlineStylesRenderer] }))
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

// What the server expects of this module.
void ({ renderElement, ELEMENT_STYLES, LANGUAGES } satisfies ElementRenderer);
