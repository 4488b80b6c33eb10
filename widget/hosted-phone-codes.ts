// Hosted builds only: the calling codes bundled with the hosted page's script and with the server
// renderer, whose entries provide them before any element renders, so that a phone field's first
// render (on the server, and the one that hydrates it) already has its country picker. The embed
// bundle loads them as a chunk instead (progressive-profile.ts, loadCallingCodes).
let provided: Readonly<Record<string, string>> | undefined;

export function provideCallingCodes(codes: Readonly<Record<string, string>>): void {
  provided = codes;
}

export function readProvidedCallingCodes(): Readonly<Record<string, string>> | undefined {
  return provided;
}
