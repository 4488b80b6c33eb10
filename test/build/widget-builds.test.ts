// The widget's three builds (vite.config.ts), built in memory from the current sources: what the
// hosted page needs stays out of the embed bundle, the hosted page's script is one file with the
// hydration and the calling codes inside, and the server renderer leaves its packages to Node.
import { build, type Rolldown } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostedPageBuild, serverRendererBuild } from '../../vite.config.js';

type Output = Rolldown.RolldownOutput['output'][number];
// One entry of the calling codes table as the minifier writes it.
const CALLING_CODE = 'ES:`34`';

async function buildInMemory(config: Parameters<typeof build>[0]): Promise<Map<string, string>> {
  const result = await build(config);
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  return new Map(
    outputs
      .flatMap((entry) => entry.output)
      .filter((output: Output): output is Rolldown.OutputChunk => output.type === 'chunk')
      .map((chunk) => [chunk.fileName, chunk.code]),
  );
}

let embed: Map<string, string>;
let hosted: Map<string, string>;
let server: Map<string, string>;

beforeAll(async () => {
  embed = await buildInMemory({ configFile: 'vite.config.ts', logLevel: 'silent', build: { write: false } });
  hosted = await buildInMemory({ ...hostedPageBuild('dist', false), logLevel: 'silent' });
  server = await buildInMemory({ ...serverRendererBuild('dist', false), logLevel: 'silent' });
}, 60_000);

describe('the widget builds', () => {
  it("keep the hosted page's code out of the embed bundle, which loads the calling codes as a chunk", () => {
    expect([...embed.keys()].sort()).toEqual(['progressive-profile-calling-codes.js', 'progressive-profile.js']);
    const bundle = embed.get('progressive-profile.js')!;
    const hostedOnly = ['data-form', 'data-problem', 'defer-hydration', 'defaultSelected', '__PP_', CALLING_CODE];
    expect(hostedOnly.filter((part) => bundle.includes(part))).toEqual([]);
    expect(bundle.includes('progressive-profile-calling-codes.js')).toBe(true);
    expect(embed.get('progressive-profile-calling-codes.js')!.includes(CALLING_CODE)).toBe(true);
  });

  it("make the hosted page's script one file: the element, Lit's hydration and the calling codes", () => {
    expect([...hosted.keys()]).toEqual(['progressive-profile-hosted.js']);
    const script = hosted.get('progressive-profile-hosted.js')!;
    const parts = ['data-form', 'defer-hydration', 'litElementHydrateSupport', CALLING_CODE];
    expect(parts.filter((part) => !script.includes(part))).toEqual([]);
    expect(/\bimport\s*\(/u.test(script)).toBe(false);
  });

  it('leave lit and @lit-labs/ssr to Node in the server renderer, with the templates minified as in the script', () => {
    expect([...server.keys()]).toEqual(['progressive-profile-ssr.js']);
    const renderer = server.get('progressive-profile-ssr.js')!;
    expect(/^import \{[^}]*\} from "@lit-labs\/ssr";$/mu.test(renderer)).toBe(true);
    expect(/^import \{[^}]*\} from "lit";$/mu.test(renderer)).toBe(true);
    expect(renderer.includes('class ReactiveElement')).toBe(false);
    // The form's template as both minify it: hydration matches the server's markers to the script's templates.
    const formTemplate = '<form part=form novalidate @submit=';
    expect([renderer.includes(formTemplate), hosted.get('progressive-profile-hosted.js')!.includes(formTemplate)]).toEqual([true, true]);
    expect(/"ES": "34"/u.test(renderer)).toBe(true);
  });
});
