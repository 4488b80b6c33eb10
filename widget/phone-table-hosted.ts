// phone-table.ts as the hosted page's builds have it (vite.config.ts swaps the module): the calling
// codes carried in the build, so that a phone field's first render, on the server and the one that
// hydrates it in the browser, already has its country picker.
import { callingCodes } from './calling-codes.js';

export const BUNDLED_CALLING_CODES: Readonly<Record<string, string>> | undefined = callingCodes;

export async function loadCallingCodes(): Promise<Readonly<Record<string, string>> | undefined> {
  return callingCodes;
}
