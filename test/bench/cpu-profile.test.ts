import { describe, expect, it } from 'vitest';
import { analyzeProfile, STAGES, type CpuProfile } from '../../bench/cpu-profile.js';
import { percentile, summarize } from '../../bench/stats.js';

const ROOT = new URL('../../', import.meta.url).href;

/** A profile from call stacks (outermost first), each sampled for `micros`. */
function buildProfile(stacks: Array<{ frames: Array<[functionName: string, url: string]>; micros: number }>): CpuProfile {
  const nodes: CpuProfile['nodes'] = [{ id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [] }];
  const samples: number[] = [];
  const timeDeltas: number[] = [0];
  for (const stack of stacks) {
    let parent = nodes[0];
    for (const [functionName, url] of stack.frames) {
      let node = nodes.find((candidate) => parent.children?.includes(candidate.id) && candidate.callFrame.functionName === functionName && candidate.callFrame.url === url);
      if (!node) {
        node = { id: nodes.length + 1, callFrame: { functionName, url, lineNumber: 0 }, children: [] };
        nodes.push(node);
        parent.children!.push(node.id);
      }
      parent = node;
    }
    samples.push(parent.id);
    timeDeltas.push(stack.micros);
  }
  return { nodes, samples, timeDeltas, startTime: 0, endTime: timeDeltas.reduce((sum, delta) => sum + delta, 0) };
}

describe('analyzeProfile', () => {
  it('charges library time to the innermost stage that called it', () => {
    const profile = buildProfile([
      { frames: [['handler', `${ROOT}server/plugin.ts`], ['verify', `${ROOT}server/tokens/session-token.ts`], ['jwtVerify', `${ROOT}node_modules/jose/dist/webapi/jwt/verify.js`], ['run', '']], micros: 3000 },
      { frames: [['handler', `${ROOT}server/plugin.ts`], ['sign', `${ROOT}server/tokens/continue-token.ts`], ['importKey', 'node:internal/crypto/webcrypto']], micros: 1000 },
      { frames: [['routing', `${ROOT}node_modules/fastify/lib/route.js`]], micros: 1000 },
      { frames: [['(idle)', '']], micros: 5000 },
    ]);
    const breakdown = analyzeProfile(profile);
    const share = (name: string) => breakdown.stages.find((stage) => stage.name === name)?.share;
    expect(breakdown.busyMs).toBe(5);
    expect(share(STAGES.verify)).toBeCloseTo(0.6);
    expect(share(STAGES.sign)).toBeCloseTo(0.2);
    expect(share(STAGES.fastify)).toBeCloseTo(0.2);
  });

  it('tells jose continuations after an await apart by the file they run in', () => {
    const profile = buildProfile([
      { frames: [['processTicksAndRejections', 'node:internal/process/task_queues'], ['flattenedVerify', `${ROOT}node_modules/jose/dist/webapi/jws/flattened/verify.js`]], micros: 2000 },
      { frames: [['processTicksAndRejections', 'node:internal/process/task_queues'], ['sign', `${ROOT}node_modules/jose/dist/webapi/jws/flattened/sign.js`]], micros: 2000 },
    ]);
    const stages = analyzeProfile(profile).stages.map((stage) => stage.name);
    expect(stages).toEqual(expect.arrayContaining([STAGES.verify, STAGES.sign]));
    expect(stages).toHaveLength(2);
  });

  it('names transpiled children files by their sources', () => {
    const profile = buildProfile([{ frames: [['reserve', `${ROOT}node_modules/.cache/pp-bench/server/store/memory.js`]], micros: 1000 }]);
    const breakdown = analyzeProfile(profile);
    expect(breakdown.stages[0].name).toBe(STAGES.store);
    expect(breakdown.files[0].name).toBe('server/store/memory.ts');
  });
});

describe('summarize', () => {
  it('gives min, median and max of unsorted runs', () => {
    expect(summarize([5, 1, 3, 2])).toMatchObject({ min: 1, median: 2.5, max: 5 });
    expect(percentile([10, 0, 5], 50)).toBe(5);
  });
});
