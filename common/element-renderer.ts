// What the element's server renderer (dist/progressive-profile-ssr.js, built from
// widget/server-render.ts) exports, and what the server's hosted page calls it with. Neither side
// imports the other; both import this module.
import type { FormDefinition } from './wire.js';

export interface ElementRenderOptions {
  /** The element's `endpoint`. */
  readonly endpoint: string;
  /** The element's `lang`: the language the page speaks. */
  readonly lang: string;
  /** The element's `restart-url`: where "Sign in again" and "Back to the app" lead (RESTART_URL). */
  readonly restartUrl?: string;
  /**
   * What the server decided: the login (`state` and the verified session token, which stay in
   * memory: only their display claims show) and the form it asks for, or a problem (a wire code
   * the element explains, such as `session_expired`).
   */
  readonly decision:
    | { readonly state: string; readonly sessionToken: string; readonly form: FormDefinition }
    | { readonly problem: string };
}

export interface ElementRenderer {
  /**
   * The element as HTML: its attributes and a declarative shadow root holding what it shows for
   * the decision, hydratable by the hosted page's script. The shadow root opens with
   * `<style>ELEMENT_STYLES</style>`, those exact bytes (the page's policy allows them by their
   * hash). Throws only on a programming error.
   */
  renderElement(options: ElementRenderOptions): string;
  /** The element's stylesheet, inlined as it is in every rendered shadow root. */
  readonly ELEMENT_STYLES: string;
  /** The languages the element's strings are written in (primary subtags: `en`, `es`). */
  readonly LANGUAGES: readonly string[];
}
