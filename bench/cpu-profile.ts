// Reads a V8 CPU profile (.cpuprofile) of the server under load and tells where its main thread's
// time went: by stage of a submit (each sample goes to the innermost frame that belongs to a
// stage, so jose's time under verify counts as "verify T1"), by file or package, and by function.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Share {
  name: string;
  ms: number;
  /** Of the busy (non-idle) time, 0-1. */
  share: number;
}

export interface ProfileBreakdown {
  /** Milliseconds the main thread was busy (not idle) while profiled. */
  busyMs: number;
  profiledMs: number;
  stages: Share[];
  files: Share[];
  functions: Share[];
}

export const STAGES = {
  verify: 'verify T1 (tokens/session-token.ts + jose verify)',
  validate: 'validate values (fields/values.ts, field-rules.ts)',
  store: 'single-use store (store/memory.ts, key hash)',
  write: 'write (upstream/management-writer.ts, auth0 SDK, fetch)',
  sign: 'sign T2 (tokens/continue-token.ts + jose sign)',
  glue: 'route handler glue (plugin.ts, routes/, http/, store/single-use.ts)',
  fastify: 'Fastify (routing, JSON parse/serialize, hooks, CORS)',
  http: 'Node HTTP, sockets & streams',
  crypto: 'Node webcrypto glue (not tied to a stage)',
  jose: 'jose shared helpers (not tied to a stage)',
  gc: 'garbage collection',
  program: 'native / unattributed (program)',
  other: 'other',
} as const;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FASTIFY_PACKAGES =
  /node_modules\/(fastify|@fastify\/[^/]+|find-my-way|avvio|fast-json-stringify|secure-json-parse|light-my-request|pino[^/]*|abstract-logging|rfdc|toad-cache|fast-querystring|fast-uri|process-warning|fast-decode-uri-component|ret|safe-regex2|json-schema-ref-resolver|ajv[^/]*|semver|content-type|proxy-addr|forwarded|ipaddr\.js|vary|fastify-plugin)\//u;

function stageOfFrame(frame: CallFrame): keyof typeof STAGES | undefined {
  const url = frame.url;
  if (url === '') return undefined;
  if (url.endsWith('/server/tokens/session-token.ts')) return 'verify';
  if (url.endsWith('/server/fields/values.ts') || url.endsWith('/common/field-rules.ts')) return 'validate';
  if (url.endsWith('/server/store/memory.ts') || url.endsWith('/server/store/redis.ts')) return 'store';
  if (url.endsWith('/server/upstream/management-writer.ts') || url.includes('/node_modules/auth0/') || url.includes('internal/deps/undici')) return 'write';
  if (url.endsWith('/server/tokens/continue-token.ts')) return 'sign';
  if (url.endsWith('/server/store/single-use.ts')) return frame.functionName === 'reservationKey' || frame.functionName === 'sha256' ? 'store' : 'glue';
  if (url.endsWith('/server/plugin.ts') || /\/server\/(routes|http|upstream\/budget)/u.test(url)) return 'glue';
  if (url.includes('/node_modules/jose/')) {
    if (/\/(jwt|jws\/\w+)\/verify\.js$|\/lib\/jws_verify\.js$/u.test(url)) return 'verify';
    if (/\/(jwt|jws\/\w+)\/sign\.js$|\/lib\/jws_sign\.js$/u.test(url)) return 'sign';
    if (url.endsWith('/lib/jwt_claims_set.js')) return frame.functionName === 'validateClaimsSet' ? 'verify' : 'sign';
  }
  return undefined;
}

function libraryOfFrame(frame: CallFrame): keyof typeof STAGES {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'program';
  if (url.includes('/node_modules/jose/')) return 'jose';
  if (FASTIFY_PACKAGES.test(url)) return 'fastify';
  if (url.startsWith('node:internal/crypto') || url.startsWith('node:crypto')) return 'crypto';
  if (/^node:(_http|http|net|internal\/(http|streams|stream_base|net|timers|process\/task_queues|async_hooks|url|util|errors|buffer|event_target|events))|^node:(events|buffer|stream|timers|url|util)$/u.test(url)) {
    return 'http';
  }
  return 'other';
}

function fileOfFrame(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName;
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)\//u.exec(url);
  if (packageMatch) return `${packageMatch[1]} (package)`;
  if (url.startsWith('file://')) return relative(ROOT, fileURLToPath(url));
  if (url.startsWith('node:internal/crypto')) return 'node:internal/crypto/*';
  return url;
}

// The children run the sources transpiled one by one (compile.ts): name them by their source.
const COMPILED = /\/node_modules\/\.cache\/pp-bench\/(.+)\.js$/u;

export function analyzeProfile(profile: CpuProfile): ProfileBreakdown {
  for (const node of profile.nodes) node.callFrame.url = node.callFrame.url.replace(COMPILED, '/$1.ts');
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  const selfMicros = new Map<number, number>();
  // Sample i lasts until sample i + 1 (timeDeltas[i + 1] later).
  for (let index = 0; index < profile.samples.length; index += 1) {
    const duration = profile.timeDeltas[index + 1] ?? 0;
    selfMicros.set(profile.samples[index], (selfMicros.get(profile.samples[index]) ?? 0) + duration);
  }

  // A native function (no url) is charged to the nearest caller that has one.
  const isNative = (frame: CallFrame) => frame.url === '' && !frame.functionName.startsWith('(');
  const callerWithUrl = (id: number): CallFrame => {
    let current: number | undefined = id;
    while (current !== undefined && isNative(nodes.get(current)!.callFrame)) current = parents.get(current);
    return current === undefined ? nodes.get(id)!.callFrame : nodes.get(current)!.callFrame;
  };

  const stageCache = new Map<number, keyof typeof STAGES>();
  const stageOfNode = (id: number): keyof typeof STAGES => {
    const cached = stageCache.get(id);
    if (cached) return cached;
    const own = nodes.get(id)!.callFrame;
    let stage: keyof typeof STAGES | undefined;
    for (let current: number | undefined = id; current !== undefined && !stage; current = parents.get(current)) {
      stage = stageOfFrame(nodes.get(current)!.callFrame);
    }
    stage ??= libraryOfFrame(isNative(own) ? callerWithUrl(id) : own);
    stageCache.set(id, stage);
    return stage;
  };

  const byStage = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    const frame = nodes.get(id)!.callFrame;
    // Idle time, and the profiler's own work when asked for the profile, are not the server's.
    if (frame.functionName === '(idle)' || frame.functionName === '(root)' || callerWithUrl(id).url === 'node:inspector') continue;
    busy += micros;
    const stage = STAGES[stageOfNode(id)];
    byStage.set(stage, (byStage.get(stage) ?? 0) + micros);
    const caller = isNative(frame) ? callerWithUrl(id) : frame;
    const file = isNative(frame) ? `${fileOfFrame(caller)} (native code)` : fileOfFrame(frame);
    byFile.set(file, (byFile.get(file) ?? 0) + micros);
    // Functions are named by their exact file (node:internal/crypto/util, not the group).
    const exactFile = (callFrame: CallFrame) => (callFrame.url.startsWith('node:') ? callFrame.url : fileOfFrame(callFrame));
    const where = isNative(frame)
      ? `native, called from ${caller.functionName || '(anonymous)'} ${exactFile(caller)}:${caller.lineNumber + 1}`
      : `${exactFile(frame)}:${frame.lineNumber + 1}`;
    const name = frame.functionName.startsWith('(') ? frame.functionName : `${frame.functionName || '(anonymous)'} ${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  const toShares = (map: Map<string, number>, limit: number): Share[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, micros]) => ({ name, ms: micros / 1000, share: busy === 0 ? 0 : micros / busy }));
  return {
    busyMs: busy / 1000,
    profiledMs: (profile.endTime - profile.startTime) / 1000,
    stages: toShares(byStage, Object.keys(STAGES).length),
    files: toShares(byFile, 15),
    functions: toShares(byFunction, 12),
  };
}
