// The build's template minifier (vite.config.ts) against what a browser renders: each sample is
// rendered by lit-html in Debian's Chromium twice, from its template as written and as minified,
// and what a person or a screen reader meets must be the same: the laid-out text, every element's
// box, attributes and value, the text of pre and textarea, the accessibility tree; for CSS, the
// stylesheet as the browser parsed it and the computed styles it gives.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSync } from 'vite';
import { minifyCssTemplate, minifyHtmlTemplate } from '../../vite.config.js';
import { launchChromium } from '../support/browser.js';

/** A template as lit-html gets it: its raw quasis and its values (strings, booleans, nested templates). */
interface Sample {
  raw: string[];
  values: unknown[];
}

const capture = (strings: TemplateStringsArray, ...values: unknown[]): Sample => ({ raw: [...strings.raw], values });
const html = capture;
const css = capture;

function minifiedHtml(sample: Sample): Sample {
  return {
    raw: minifyHtmlTemplate(sample.raw),
    values: sample.values.map((value) => (isSample(value) ? minifiedHtml(value) : value)),
  };
}

function isSample(value: unknown): value is Sample {
  return typeof value === 'object' && value !== null && 'raw' in value;
}

const HTML_SAMPLES: Record<string, Sample> = {
  'spaces between inline elements and around expressions': html`<p>
      <b>bold</b> <i>italic</i>
      <a href="#x">a link</a>   text   <span>${'value'}</span> ${'a'} ${'b'}${'c'}
      <em> spaced </em>  <code>x</code>
    </p>`,
  'text nodes beside expressions': html`<div>
      Hello,   ${'Ada'}!   <span> ${'one'} </span>${'two'}   <label> * </label>
    </div>`,
  'attribute values, quoted and not': html`<div title="  two  spaces
      and a newline " data-x='single  quoted' data-y="plain" class="a  b" lang=es>x</div>
    <input value="  padded  " placeholder=" p " data-slash="x/" type="text" />
    <a href="/path/" title="pre ${'v'}  post" data-empty="">link</a>`,
  'pre, textarea and other text kept as written': html`<pre>  line 1
      line 2   ${'expression'}
    </pre><textarea>  keep
      this  </textarea>
    <pre class="x"><b> bold </b>   <i>it</i></pre>`,
  'blocks, lists, buttons and selects': html`
    <div>
      <p> A paragraph </p>
      <button> Go </button> <button>Two</button>
      <ul>
        <li> one </li>
        <li>two</li>
      </ul>
      <select>
        <option value="a"> A </option>
        <option>B</option>
      </select> after the select
      <br />
      after the break
    </div>
  `,
  'SVG self-closing tags, void tags and comments': html`<svg width="20" height="20">
      <rect width="5" height="5" />
      <circle cx="10" cy="10" r="2"/>
    </svg><br/>text <input type="checkbox" />  <!--  a  comment  --> <span>x</span>`,
  // Written cooked (real U+00A0 and U+2003 characters): HTML never collapses them.
  'non-breaking and other non-HTML spaces': { raw: ['<span>a\u00a0  \u00a0b</span>   <span>c\u2003  d\u00a0</span> e'], values: [] },
  'bindings: boolean, property and attribute': html`<label for="i">Name</label>
    <input id="i" ?disabled=${true} .value=${'typed'} aria-invalid=${'true'}
      placeholder=${'place holder'}
    />`,
  'nested templates at the edges of inline content': html`<p>before${html` <span>in</span> `}after ${html`  <b>b</b>`}</p>
    <div>${html`
      <p>block</p>
    `}</div>`,
};

const CSS_SAMPLES: Record<string, Sample> = {
  'whitespace, combinators and numbers': css`
    div  >  p ,  section   span   { color : rgb( 1 , 2 , 3 ) ; margin : 0.5em 10.5px -0.5px 0.25rem ; }
    div :first-child { outline: 1px solid red; }
    div:first-child { padding: 0.5px; }
    p { width: calc(100% - 0.5rem); grid-column: 1 / -1; opacity: 0.5 !important; }
  `,
  'strings, escapes and url()': css`
    p::before { content: "  two  spaces ; { } , :  0.5 " ; }
    p::after { content: 'it\'s   here' ; }
    .a\:b { color: red; }
    div { background-image: url(/a/0.5/b.png), url( "with space.png" ); }
  `,
  'comments and attribute selectors': css`
    /* a comment { } ; */
    p /* between */ { color: blue; }
    [data-x='a b'] { color: red; }
    [data-y='ab'] { color: green; }
    [data-z="1a"] { color: navy; }
    [data-w='a'] span { color: teal; }
  `,
  'at-rules and expressions': css`
    @media (min-width: 10px) and (max-width: 9999px) {
      p { color: ${'purple'} ; margin: ${'1px'} ${'2px'}; }
    }
    :host([theme='dark']) { ${'color: white;'} }
  `,
};

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 800, height: 600 } });
  const lit = readFileSync('node_modules/lit-html/lit-html.js', 'utf8');
  await page.route('http://minifier.test/**', (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === '/lit-html.js') return route.fulfill({ contentType: 'text/javascript', body: lit });
    return route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><style>.box { width: 220px; font: 16px/1.25 sans-serif }</style>
        <script type="module">import { html, render } from '/lit-html.js'; window.lit = { html, render };</script>`,
    });
  });
  await page.goto('http://minifier.test/');
  await page.waitForFunction(() => 'lit' in window);
});

afterAll(async () => {
  await browser?.close();
});

/** Renders a sample with lit-html into a fresh box and describes what the browser made of it. */
async function renderHtml(sample: Sample): Promise<unknown> {
  const id = `box${Math.random().toString(36).slice(2)}`;
  await page.evaluate(
    ({ sample, id }) => {
      const { html, render } = (window as any).lit;
      const toResult = (s: { raw: string[]; values: unknown[] }): unknown => {
        const strings = Object.assign([...s.raw], { raw: [...s.raw] });
        const values = s.values.map((value) => (typeof value === 'object' && value && 'raw' in value ? toResult(value as any) : value));
        return html(strings, ...values);
      };
      const box = document.createElement('div');
      box.className = 'box';
      box.id = id;
      document.body.append(box);
      render(toResult(sample), box);
    },
    { sample, id },
  );
  const box = page.locator(`#${id}`);
  const described = await box.evaluate((root) => {
    const origin = root.getBoundingClientRect();
    const elements = [...root.querySelectorAll('*')].map((element) => {
      const box = element.getBoundingClientRect();
      return {
        tag: element.tagName,
        attributes: [...element.attributes].map((attribute) => `${attribute.name}=${JSON.stringify(attribute.value)}`).sort(),
        box: [box.x - origin.x, box.y - origin.y, box.width, box.height].map((n) => Math.round(n * 100) / 100),
        value: 'value' in element ? (element as HTMLInputElement).value : undefined,
        kept: ['PRE', 'TEXTAREA'].includes(element.tagName) ? element.textContent : undefined,
      };
    });
    return { innerText: (root as HTMLElement).innerText, height: origin.height, elements };
  });
  const tree = await box.ariaSnapshot();
  await box.evaluate((root) => root.remove());
  return { ...described, tree };
}

/** Parses a CSS sample (values filled in) and lays out a fixed document under it. */
async function renderCss(sample: Sample): Promise<unknown> {
  const text = sample.raw.reduce((all, part, index) => all + String(sample.values[index - 1]) + part);
  return page.evaluate((text) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    const host = document.createElement('div');
    host.setAttribute('theme', 'dark');
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = `<div data-x="a b" data-y="ab" data-z="1a" data-w="a"><p><span>s</span></p><section><span>t</span></section><i class="a:b">i</i></div>`;
    root.adoptedStyleSheets = [sheet];
    document.body.append(host);
    const properties = ['color', 'margin', 'padding', 'outline', 'width', 'opacity', 'background-image', 'grid-column'];
    const styles = [host, ...root.querySelectorAll('*')].map((element) => {
      const style = getComputedStyle(element);
      return [
        ...properties.map((property) => style.getPropertyValue(property)),
        getComputedStyle(element, '::before').content,
        getComputedStyle(element, '::after').content,
      ];
    });
    host.remove();
    return { rules: [...sheet.cssRules].map((rule) => rule.cssText), styles };
  }, text);
}

describe('the template minifier', () => {
  for (const [name, sample] of Object.entries(HTML_SAMPLES)) {
    it(`renders html the same, minified or not: ${name}`, async () => {
      const minified = minifiedHtml(sample);
      expect(minified.raw.join('').length, 'nothing was minified').toBeLessThan(sample.raw.join('').length);
      expect(await renderHtml(minified)).toEqual(await renderHtml(sample));
    });
  }

  for (const [name, sample] of Object.entries(CSS_SAMPLES)) {
    it(`parses and applies css the same, minified or not: ${name}`, async () => {
      const minified = { raw: minifyCssTemplate(sample.raw), values: sample.values };
      expect(minified.raw.join('').length, 'nothing was minified').toBeLessThan(sample.raw.join('').length);
      const original = await renderCss(sample);
      expect((original as { rules: string[] }).rules.length, 'the sample did not parse').toBeGreaterThan(1);
      expect(await renderCss(minified)).toEqual(original);
    });
  }

  it("keeps every expression of the widget's own templates in place and is idempotent", () => {
    const sources = ['widget/progressive-profile.ts', 'widget/styles.ts'];
    let templates = 0;
    for (const file of sources) {
      const code = readFileSync(file, 'utf8');
      const visit = (node: any): void => {
        if (!node || typeof node !== 'object') return;
        if (Array.isArray(node)) return node.forEach(visit);
        if (node.type === 'TaggedTemplateExpression' && ['html', 'css'].includes(node.tag?.name)) {
          const raw: string[] = node.quasi.quasis.map((quasi: { value: { raw: string } }) => quasi.value.raw);
          const minify = node.tag.name === 'html' ? minifyHtmlTemplate : minifyCssTemplate;
          const once = minify(raw);
          expect(once).toHaveLength(raw.length);
          expect(minify(once)).toEqual(once);
          templates += 1;
        }
        for (const key in node) if (key !== 'parent') visit(node[key]);
      };
      visit(parseSync(file, code).program);
    }
    expect(templates).toBeGreaterThan(10);
  });

  it("relies on a stylesheet that keeps whitespace insignificant: the widget's sets no white-space", () => {
    // Text whitespace is collapsed as `white-space: normal` renders it; a pre-like CSS rule on an
    // element of the templates would need its text kept, so the widget's styles must not set one.
    expect(readFileSync('widget/styles.ts', 'utf8')).not.toMatch(/white-space/);
  });
});
