// Which build this code runs in, fixed at build time (vite.config.ts `define`), so that what one
// build needs costs the others nothing: the minifier drops the branches of the builds it is not.
// - the embed bundle (progressive-profile.js, site owners' pages): both false;
// - the hosted page's script (progressive-profile-hosted.js): HOSTED, it hydrates a form the
//   server rendered;
// - the server renderer (progressive-profile-ssr.js, run by the server in Node): HOSTED and SERVER.
// The browser tests run the sources as the embed bundle (the names are not defined there).
declare const __PP_HOSTED__: boolean | undefined;
declare const __PP_SERVER__: boolean | undefined;

export const HOSTED: boolean = typeof __PP_HOSTED__ === 'boolean' && __PP_HOSTED__;
export const SERVER: boolean = typeof __PP_SERVER__ === 'boolean' && __PP_SERVER__;
