import { defineConfig, parseSync } from 'vite';
import type { Plugin } from 'vite';

// The widget bundle: one minified ES module with Lit inside, served by the server at
// /progressive-profile.js and loaded by site owners' pages. `dist/` also holds the server build,
// so it is not emptied here.
export default defineConfig({
  publicDir: false,
  plugins: [minifyTemplates()],
  build: {
    lib: {
      entry: 'widget/index.ts',
      formats: ['es'],
      fileName: () => 'progressive-profile.js',
    },
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    // Vite's library ES output keeps whitespace and names unless Rolldown is told to minify.
    rolldownOptions: { output: { minify: true } },
  },
});

const minifiers: Record<string, (text: string) => string> = {
  css: (text) =>
    text
      .replace(/\s+/g, ' ')
      .replace(/\s*([{};,])\s*/g, '$1')
      .replace(/:\s+/g, ':')
      .replace(/;}/g, '}'),
  // Whitespace between tags and at a template's edges next to a tag is layout-neutral here (the
  // element lays out with grid and flex); other runs collapse to one space, as HTML renders them.
  html: (text) =>
    text
      .replace(/>\s+</g, '><')
      .replace(/^\s+</, '<')
      .replace(/>\s+$/, '>')
      .replace(/\s+/g, ' ')
      .replace(/ ?\/>/g, '>'),
};

/** Squeezes the whitespace out of the widget's `css` and `html` tagged templates; a JS minifier keeps it. */
function minifyTemplates(): Plugin {
  return {
    name: 'pp-minify-templates',
    apply: 'build',
    transform(code, id) {
      if (!id.includes('/widget/')) return null;
      const edits: { start: number; end: number; text: string }[] = [];
      const visit = (node: unknown): void => {
        if (!node || typeof node !== 'object') return;
        if (Array.isArray(node)) return node.forEach(visit);
        const record = node as Record<string, any>;
        const minify = record.type === 'TaggedTemplateExpression' && record.tag?.type === 'Identifier' && minifiers[record.tag.name];
        if (minify) {
          for (const quasi of record.quasi.quasis) {
            const { start, end } = quasi as { start: number; end: number };
            edits.push({ start, end, text: minify(code.slice(start, end)) });
          }
        }
        for (const key in record) if (key !== 'parent') visit(record[key]);
      };
      visit(parseSync(id, code).program);
      edits.sort((a, b) => b.start - a.start);
      for (const edit of edits) code = code.slice(0, edit.start) + edit.text + code.slice(edit.end);
      return { code, map: null };
    },
  };
}
