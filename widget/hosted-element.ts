// The hosted page's element (progressive-profile-hosted-element.js, which hosted.ts loads once the
// page has painted): the element with Lit's hydration support and the calling codes, so that it
// takes over the form the server rendered (server-render.ts) in place, keeping what the user typed
// before it ran. On a page without a server-rendered form it renders as the embed bundle does.
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
      root.replaceChildren(...root.querySelectorAll('link'));
      render(this.render(), root, this.renderOptions);
    }
  }
}

if (!customElements.get('progressive-profile')) customElements.define('progressive-profile', HostedProgressiveProfile);
