// The hosted page's script (progressive-profile-hosted.js, built by vite.config.ts, served by the
// server for its own page only; site owners' pages load progressive-profile.js): the element with
// Lit's hydration support and the calling codes, so that it takes over the form the server rendered
// (server-render.ts) in place, keeping what the user typed before it ran. On a page without a
// server-rendered form it renders as the embed bundle does.
//
// One module, run as soon as the page is parsed. Measured against a small entry that loads the
// element as a second module once the page has painted (bench/page-timing.ts, 20 cold loads of
// each, interleaved, when the page still linked its stylesheets): the form painted no sooner, and
// was usable about 60 ms later. The page now inlines its styles, so the HTML alone paints the form.
import '@lit-labs/ssr-client/lit-element-hydrate-support.js';
import { render, type PropertyValues } from 'lit';
import { ProgressiveProfile } from './progressive-profile.js';


/**
 * <progressive-profile> that hydrates a server-rendered shadow root. Should hydration ever fail (a
 * server render this script does not match), it draws the form anew in the same shadow root, with
 * what the user typed, rather than leave a form that does nothing.
 */
export class HostedProgressiveProfile extends ProgressiveProfile {
  protected override update(changedProperties: PropertyValues): void {
    try {
      super.update(changedProperties);
    } catch (error) {
      console.warn('<progressive-profile>: the server-rendered form could not be hydrated; rendering it anew', error);
      const root = this.renderRoot;
      // The server-rendered <style> stays: hydration adopts no stylesheet, the element's styles are it.
      root.replaceChildren(...root.querySelectorAll('style'));
      render(this.render(), root, this.renderOptions);
    }
  }
}

if (!customElements.get('progressive-profile')) customElements.define('progressive-profile', HostedProgressiveProfile);
