// The page chrome the benchmark's own pages share: the floor (bench/plain-page.ts) and the site
// owner's embedding page (bench/embed-page.ts) are one document with the same title, styles and
// heading, so they differ only in what the benchmark compares.

const TITLE = 'Complete your profile';
const BASE_STYLES = `body { margin: 0; font-family: system-ui, sans-serif; background: #f6f7f9; color: #1b1f24; }
main { max-width: 32rem; margin: 0 auto; padding: 2rem 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
`;

/** The page around `main`: `styles` after the base styles, `head` after the style element (each line-terminated). */
export function renderBenchPage({ styles = '', head = '', main }: { styles?: string; head?: string; main: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${TITLE}</title>
<style>
${BASE_STYLES}${styles}</style>
${head}</head>
<body>
<main>
<h1>${TITLE}</h1>
${main}
</main>
</body>
</html>
`;
}
