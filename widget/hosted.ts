// The hosted page's script (progressive-profile-hosted.js, built by vite.config.ts, served by the
// server for its own page only; site owners' pages load progressive-profile.js). It loads the
// element (hosted-element.ts, a chunk the page preloads) once the browser has painted the form the
// server rendered: a module runs as soon as the page is parsed, before any frame, so the element's
// code (Lit, the element, the calling codes) evaluated here would hold up that first paint. A
// hidden tab draws no frame: it loads at once.
const load = () => import('./hosted-element.js');
if (document.visibilityState === 'hidden') void load();
else requestAnimationFrame(() => setTimeout(load));
