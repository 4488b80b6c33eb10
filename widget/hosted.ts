// The hosted page's script (progressive-profile-hosted.js, built by vite.config.ts, served by the
// server for its own page only; site owners' pages load progressive-profile.js): the element with
// Lit's hydration support and the calling codes, so that it takes over the form the server
// rendered (server-render.ts) in place, keeping what the user typed before it ran. On a page
// without a server-rendered form (a reload: the address bar no longer holds T1) it renders as the
// embed bundle does.
import '@lit-labs/ssr-client/lit-element-hydrate-support.js';
import { render, type PropertyValues } from 'lit';
import { callingCodes } from './calling-codes.js';
import { provideCallingCodes } from './hosted-phone-codes.js';
import { ProgressiveProfile } from './progressive-profile.js';

provideCallingCodes(callingCodes);

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
