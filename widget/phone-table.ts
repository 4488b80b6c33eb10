// Where the element gets the calling codes (country → calling code) for a phone field's country
// picker. The embed bundle loads them as a chunk of their own (progressive-profile-calling-codes.js,
// from the bundle's own server), only for a form with a tel field. The hosted page's builds use
// phone-table-hosted.ts instead (vite.config.ts swaps the module), which carries them.

/** The table when the build carries it: never in the embed bundle. */
export const BUNDLED_CALLING_CODES: Readonly<Record<string, string>> | undefined = undefined;

/** The phone chunk's table; undefined when it fails to load or takes over 10 s (phone fields then take an international number). */
export function loadCallingCodes(): Promise<Readonly<Record<string, string>> | undefined> {
  return Promise.race([
    import('./calling-codes.js').then(
      (chunk) => chunk.callingCodes,
      () => undefined,
    ),
    new Promise<undefined>((resolve) => setTimeout(resolve, 10_000)),
  ]);
}
