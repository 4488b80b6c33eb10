// The bundle's entry: defines <progressive-profile> unless a copy of the script (another version,
// or the same one loaded twice) already did.
import { ProgressiveProfile } from './progressive-profile.js';

if (!customElements.get('progressive-profile')) customElements.define('progressive-profile', ProgressiveProfile);

export { ProgressiveProfile };
export type { ErrorDetail, SuccessDetail } from './progressive-profile.js';
export type { Strings } from './strings.js';
