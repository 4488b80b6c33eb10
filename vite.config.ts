import { fileURLToPath } from 'node:url';
import { build, defineConfig, parseSync } from 'vite';
import type { Alias, InlineConfig, Plugin } from 'vite';
import { callingCodes } from './widget/calling-codes.js';

// Lit's production build whatever NODE_ENV says (a test runner sets it to `test`, which would
// otherwise pick Lit's development build: 4 KB more and a console warning on every page).
const BROWSER_CONDITIONS = ['module', 'browser', 'production'];
// The hosted page's builds carry the calling codes rather than load them as a chunk.
const HOSTED_ALIASES: Alias[] = [{ find: /^\.\/phone-table\.js$/, replacement: fileURLToPath(new URL('./widget/phone-table-hosted.ts', import.meta.url)) }];

// The widget, three ways, from the same sources with the same template minifier, told apart at
// build time (widget/build-flags.ts) so that what one needs costs the others nothing:
// - progressive-profile.js, the embed bundle: one minified ES module with Lit inside, served by the
//   server at /progressive-profile.js and loaded by site owners' pages, and beside it the phone
//   chunk progressive-profile-calling-codes.js, which the bundle imports (relative to its own URL,
//   so from the same server) only for a form with a tel field;
// - progressive-profile-hosted.js, the server's hosted page's script: the element, Lit's hydration
//   support and the calling codes, in one file (hostedPageBuild);
// - progressive-profile-ssr.js, a module for Node: the element's server renderer, which the hosted
//   page renders the form with (serverRendererBuild).
// `vite build` writes the first, then the other two beside it. `dist/` also holds the server
// build, so it is not emptied here.
export default defineConfig({
  publicDir: false,
  plugins: [minifyTemplates(), inlineCallingCodes(), buildHostedPage()],
  define: { __PP_HOSTED__: 'false', __PP_SERVER__: 'false' },
  resolve: { conditions: BROWSER_CONDITIONS },
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
    // Vite's library ES output keeps whitespace and names unless Rolldown is told to minify; the
    // `@__PURE__` annotations it would keep only matter to a bundler, and nobody bundles this file.
    // The chunk keeps a fixed name (no hash): the server serves it at a fixed path, revalidated
    // like the bundle.
    rolldownOptions: { output: { minify: true, comments: false, chunkFileNames: 'progressive-profile-[name].js' } },
  },
});

/** The hosted page's script, into `outDir`: minified like the embed bundle, one file (the calling codes inside). */
export function hostedPageBuild(outDir: string, write = true): InlineConfig {
  return hostedBuild(outDir, write, {
    define: { __PP_HOSTED__: 'true', __PP_SERVER__: 'false' },
    resolve: { conditions: BROWSER_CONDITIONS },
    build: {
      lib: { entry: 'widget/hosted.ts', formats: ['es'], fileName: () => 'progressive-profile-hosted.js' },
      target: 'es2022',
      minify: true,
      rolldownOptions: { output: { minify: true, comments: false, codeSplitting: false } },
    },
  });
}

/**
 * The element's server renderer, into `outDir`: a module for Node whose packages (lit,
 * @lit-labs/ssr) stay imports, resolved beside it at run time as the server's are; its templates
 * minified exactly as the hosted page's script's, its code not (readable stack traces).
 */
export function serverRendererBuild(outDir: string, write = true): InlineConfig {
  return hostedBuild(outDir, write, {
    define: { __PP_HOSTED__: 'true', __PP_SERVER__: 'true' },
    build: {
      ssr: 'widget/server-render.ts',
      target: 'node22',
      minify: false,
      rolldownOptions: { output: { entryFileNames: 'progressive-profile-ssr.js', codeSplitting: false } },
    },
  });
}

/**
 * What the hosted page's two builds share, around what sets each apart (`own`): no config file,
 * the embed bundle's template minifier and calling codes, the hosted modules swapped in, written
 * into `outDir` beside the embed bundle.
 */
function hostedBuild(outDir: string, write: boolean, own: Pick<InlineConfig, 'define' | 'resolve' | 'build'>): InlineConfig {
  return {
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    plugins: [minifyTemplates(), inlineCallingCodes()],
    define: own.define,
    resolve: { ...own.resolve, alias: HOSTED_ALIASES },
    build: { ...own.build, outDir, write, emptyOutDir: false, sourcemap: false, reportCompressedSize: false },
  };
}

/** After the embed bundle is written, the hosted page's script and the server renderer beside it. */
function buildHostedPage(): Plugin {
  let outDir = 'dist';
  return {
    name: 'pp-build-hosted-page',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    // Only when the embed bundle is written to disk (a build in memory builds it alone).
    async writeBundle() {
      await build(hostedPageBuild(outDir));
      await build(serverRendererBuild(outDir));
    },
  };
}

/**
 * Replaces widget/calling-codes.ts, in the bundle only, with the table that module computes from
 * libphonenumber-js's metadata (evaluated here, at build time): the phone chunk then carries the
 * table and none of the library.
 */
function inlineCallingCodes(): Plugin {
  return {
    name: 'pp-inline-calling-codes',
    apply: 'build',
    load(id) {
      if (!/[\\/]widget[\\/]calling-codes\.ts$/.test(id)) return null;
      return `export const callingCodes = ${JSON.stringify(callingCodes)};`;
    },
  };
}

/**
 * Squeezes the whitespace out of the widget's `html` and `css` tagged templates (a JS minifier
 * keeps template text as it is), and nothing that changes what renders. Files under a `widget/`
 * folder only.
 *
 * Chosen over @literals/rollup-plugin-html-css-minifier (html-minifier-next + lightningcss):
 * on this bundle that one is 15 B gzip larger (25 B brotli smaller), drops the space of the
 * required mark (`<span> *</span>` renders "Company*"), and its CSS parser refuses a
 * declaration-list fragment such as the dark theme's. test/build/template-minifier.test.ts
 * renders samples minified and not in Chromium and compares; test/widget/bundle.test.ts compares
 * the built bundle with the sources.
 */
function minifyTemplates(): Plugin {
  return {
    name: 'pp-minify-templates',
    apply: 'build',
    transform(code, id) {
      if (!/[\\/]widget[\\/]/.test(id) || !/\b(html|css)`/.test(code)) return null;
      const edits: { start: number; end: number; text: string }[] = [];
      const visit = (node: unknown): void => {
        if (!node || typeof node !== 'object') return;
        if (Array.isArray(node)) return node.forEach(visit);
        const record = node as Record<string, any>;
        const tag = record.type === 'TaggedTemplateExpression' && record.tag?.type === 'Identifier' ? record.tag.name : '';
        if (tag === 'html' || tag === 'css') {
          const quasis: { start: number; end: number; value: { raw: string } }[] = record.quasi.quasis;
          const minified = (tag === 'html' ? minifyHtmlTemplate : minifyCssTemplate)(quasis.map((quasi) => quasi.value.raw));
          quasis.forEach((quasi, index) => {
            // A quasi's span may include its delimiters (` ${ }); its raw text sits right inside them.
            const start = code.indexOf(quasi.value.raw, quasi.start);
            if (start < 0 || start + quasi.value.raw.length > quasi.end) throw new Error(`${id}: cannot place a template quasi`);
            edits.push({ start, end: start + quasi.value.raw.length, text: minified[index] });
          });
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

// HTML's own whitespace (never U+00A0 and the other spaces JavaScript's \s also matches).
const SPACE = /[ \t\n\f\r]/;
const SPACES = /^[ \t\n\f\r]+/;
// Elements laid out as blocks by default: whitespace beside their tags sits at the start or end of
// a line, where CSS drops it. `option` and `optgroup` only live inside a select, whose text is not
// laid out at all.
const BLOCK_TAGS = new Set(
  'address article aside blockquote br dd details dialog div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main menu nav ol optgroup option p search section summary table tbody td tfoot th thead tr ul'.split(' '),
);
// Elements that lay out their own content in a box: whitespace just inside their tags is dropped too.
const BOX_TAGS = new Set(['button', 'select']);
// Elements whose text is kept as written.
const RAW_TAGS = new Set(['pre', 'textarea', 'listing', 'xmp', 'plaintext', 'script', 'style', 'title']);
const VOID_TAGS = new Set('area base br col embed hr img input link meta source track wbr'.split(' '));

type Neighbour = { kind: 'tag'; name: string; closing: boolean } | { kind: 'edge' } | { kind: 'expression' } | { kind: 'text' };

/**
 * Minifies the static parts (quasis) of one `html` template. In text, a run of whitespace becomes
 * one space, or nothing where it touches a block element's tag (or sits just inside a button or
 * select); inside a tag, runs become one space and vanish before `>`; a void element's ` />`
 * becomes `>`. Attribute values, comments and the text of `pre`, `textarea`, `script`, `style` and
 * the like are kept byte for byte. The state (inside a tag, a quoted value, a raw element) carries
 * across expressions.
 */
export function minifyHtmlTemplate(quasis: readonly string[]): string[] {
  let state: 'text' | 'tag' | 'value' | 'comment' | 'raw' = 'text';
  let quote = '';
  let tagName = '';
  let tagClosing = false;
  let rawTag = '';
  let left: Neighbour = { kind: 'edge' };
  return quasis.map((raw, index) => {
    let out = '';
    let i = 0;
    if (index > 0 && state === 'text') left = { kind: 'expression' };
    while (i < raw.length) {
      const rest = raw.slice(i);
      if (state === 'comment') {
        const end = rest.indexOf('-->');
        const take = end < 0 ? rest.length : end + 3;
        out += rest.slice(0, take);
        i += take;
        if (end >= 0) [state, left] = ['text', { kind: 'text' }];
      } else if (state === 'raw') {
        const end = rest.search(new RegExp(`</${rawTag}[ \\t\\n\\f\\r/>]`, 'i'));
        const take = end < 0 ? rest.length : end;
        out += rest.slice(0, take);
        i += take;
        if (end >= 0) state = 'text';
      } else if (state === 'value') {
        const end = quote ? rest.indexOf(quote) : rest.search(/[ \t\n\f\r>]/);
        const take = end < 0 ? rest.length : quote ? end + 1 : end;
        out += rest.slice(0, take);
        i += take;
        if (end >= 0) state = 'tag';
      } else if (state === 'tag') {
        const spaces = SPACES.exec(rest)?.[0];
        if (spaces) {
          const next = rest.slice(spaces.length);
          if (!next.startsWith('>') && !(next.startsWith('/>') && VOID_TAGS.has(tagName))) out += ' ';
          i += spaces.length;
        } else if (rest.startsWith('/>') && VOID_TAGS.has(tagName)) {
          // `<input />` is `<input>` in HTML (not in SVG, hence void elements only).
          out += '>';
          i += 2;
          [state, left] = ['text', { kind: 'tag', name: tagName, closing: tagClosing }];
        } else if (rest[0] === '>') {
          out += '>';
          i += 1;
          state = 'text';
          left = { kind: 'tag', name: tagName, closing: tagClosing };
          if (!tagClosing && RAW_TAGS.has(tagName)) [state, rawTag] = ['raw', tagName];
        } else if (rest[0] === '=') {
          out += '=';
          i += 1;
          const spaces = SPACES.exec(raw.slice(i))?.[0] ?? '';
          i += spaces.length;
          const next = raw[i];
          const quoted = next === '"' || next === "'" ? new RegExp(`^${next}([^${next}]*)${next}`).exec(raw.slice(i)) : null;
          if (quoted && /^[^ \t\n\f\r"'=<>`]+$/.test(quoted[1]) && /^[ \t\n\f\r]|^>/.test(raw.slice(i + quoted[0].length))) {
            // A whole value in this quasi that needs no quotes (and is not followed by `/>`).
            out += quoted[1];
            i += quoted[0].length;
          } else if (next === '"' || next === "'") {
            [state, quote] = ['value', next];
            out += next;
            i += 1;
          } else if (next !== undefined) [state, quote] = ['value', ''];
        } else {
          out += rest[0];
          i += 1;
        }
      } else {
        const spaces = SPACES.exec(rest)?.[0];
        if (spaces) {
          i += spaces.length;
          const right = neighbourAt(raw, i, index === quasis.length - 1);
          if (!isDroppable(left, right)) out += ' ';
        } else if (rest.startsWith('<!--')) {
          out += '<!--';
          i += 4;
          state = 'comment';
        } else {
          const tag = /^<(\/?)([a-zA-Z][^ \t\n\f\r/>]*)/.exec(rest);
          if (tag) {
            [state, tagClosing, tagName] = ['tag', tag[1] === '/', tag[2].toLowerCase()];
            out += tag[0];
            i += tag[0].length;
          } else {
            out += rest[0] === '\\' ? rest.slice(0, 2) : rest[0];
            i += rest[0] === '\\' ? 2 : 1;
            left = { kind: 'text' };
          }
        }
      }
    }
    return out;
  });
}

function neighbourAt(raw: string, at: number, isLastQuasi: boolean): Neighbour {
  if (at >= raw.length) return isLastQuasi ? { kind: 'edge' } : { kind: 'expression' };
  const tag = /^<(\/?)([a-zA-Z][^ \t\n\f\r/>]*)/.exec(raw.slice(at));
  return tag ? { kind: 'tag', name: tag[2].toLowerCase(), closing: tag[1] === '/' } : { kind: 'text' };
}

/** Whether whitespace between these two neighbours renders as nothing, whatever the text around. */
function isDroppable(left: Neighbour, right: Neighbour): boolean {
  if (left.kind === 'tag' && (BLOCK_TAGS.has(left.name) || (!left.closing && BOX_TAGS.has(left.name)))) return true;
  if (right.kind === 'tag' && (BLOCK_TAGS.has(right.name) || (right.closing && BOX_TAGS.has(right.name)))) return true;
  return false;
}

/**
 * Minifies the static parts (quasis) of one `css` template: comments go, whitespace runs become
 * one space and vanish beside `{`, `}`, `;`, `,` and after `:`; `;}` becomes `}`; `0.5` becomes
 * `.5`; a quoted attribute-selector value that is an identifier loses its quotes. Strings, escapes
 * and `url(…)` are kept byte for byte, and whitespace beside an expression stays one space unless
 * one of those characters makes it meaningless.
 */
export function minifyCssTemplate(quasis: readonly string[]): string[] {
  let quote = '';
  let inComment = false;
  return quasis.map((raw) => {
    let out = '';
    let i = 0;
    let pendingSpace = false;
    const emit = (text: string) => {
      if (pendingSpace && !/[{};,:]$/.test(out) && !/^[{};,]/.test(text)) out += ' ';
      pendingSpace = false;
      out += text;
    };
    while (i < raw.length) {
      const rest = raw.slice(i);
      if (inComment) {
        const end = rest.indexOf('*/');
        i += end < 0 ? rest.length : end + 2;
        if (end >= 0) inComment = false;
      } else if (quote) {
        const end = rest.search(new RegExp(`\\\\|${quote}`));
        if (end < 0) {
          out += rest;
          i += rest.length;
        } else if (rest[end] === '\\') {
          out += rest.slice(0, end + 2);
          i += end + 2;
        } else {
          out += rest.slice(0, end + 1);
          i += end + 1;
          quote = '';
        }
      } else if (SPACE.test(rest[0])) {
        i += SPACES.exec(rest)![0].length;
        pendingSpace = true;
      } else if (rest.startsWith('/*')) {
        inComment = true;
        i += 2;
        pendingSpace = true;
      } else if (rest[0] === '"' || rest[0] === "'") {
        const string = /^(["'])((?:\\.|(?!\1)[^\\])*)\1/s.exec(rest);
        if (string && out.endsWith('=') && /^-?[_a-zA-Z][\w-]*$/.test(string[2]) && rest[string[0].length] === ']') {
          emit(string[2]);
          i += string[0].length;
        } else {
          emit(rest[0]);
          quote = rest[0];
          i += 1;
        }
      } else if (/^url\((?![ \t\n\f\r]*["'])/i.test(rest)) {
        const end = rest.indexOf(')');
        const take = end < 0 ? rest.length : end + 1;
        emit(rest.slice(0, take));
        i += take;
      } else if (rest[0] === '\\') {
        emit(rest.slice(0, 2));
        i += 2;
      } else if (rest[0] === '}' && out.endsWith(';')) {
        out = out.slice(0, -1);
        pendingSpace = false;
        emit('}');
        i += 1;
      } else if (/^0\.\d/.test(rest) && (pendingSpace || !/[\w.%#-]$/.test(out))) {
        // 0.5 → .5 where the 0 starts a number (not 10.5, x0.5 or -0.5)
        i += 1;
      } else {
        const word = /^[^ \t\n\f\r"'\\/{};,:]+|^./s.exec(rest)![0];
        emit(word);
        i += word.length;
      }
    }
    // Whitespace before an expression (or between two) stays one space unless the text already ends a statement.
    if (pendingSpace && !/[{};,:]$/.test(out)) out += ' ';
    return out;
  });
}
