// What the framework typings share: the element's attributes and properties as a template may set
// them, and its events by name. Types only: nothing here ships in the bundle.
import type { ProgressiveProfile } from '../progressive-profile.js';

/** The events `<progressive-profile>` dispatches (bubbling, composed), by name. */
export type ProgressiveProfileEvents = Pick<HTMLElementEventMap, 'pp-ready' | 'pp-submit' | 'pp-success' | 'pp-error' | 'pp-skip'>;

/** Attributes (kebab-case, strings) and properties a template may set on the element. */
export interface ProgressiveProfileProps {
  endpoint?: string;
  'restart-url'?: string;
  restartUrl?: string;
  state?: string;
  'session-token'?: string;
  sessionToken?: string;
  lang?: string;
  theme?: 'light' | 'dark';
  /** A property, not an attribute: define the element before the app first renders, and replace the object rather than mutate it. */
  strings?: ProgressiveProfile['strings'];
}
