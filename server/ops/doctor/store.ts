// The single-use token store: in memory (one instance), or Redis (REDIS_URL), which must answer
// (else every submit is refused with 503), keep used tokens across its own restarts (AOF or RDB)
// and never evict them early (maxmemory-policy noeviction). DEPLOY.md explains each.
import { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import { printable, type CheckResult } from './report.js';

const LABEL = 'token store';

export async function checkStore(config: Config, timeoutMs: number): Promise<CheckResult> {
  if (!config.redisUrl) {
    return {
      id: 'store',
      label: LABEL,
      status: 'pass',
      message: 'in memory: right for one instance (several instances, or used tokens kept across a restart, need REDIS_URL)',
    };
  }
  const url = new URL(config.redisUrl);
  // Host and port only: the URL may hold a password.
  const shown = `${url.protocol}//${url.host}`;
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  // connect() rejects with "Connection is closed."; the socket's own error (ECONNREFUSED…) comes here.
  let socketError: unknown;
  redis.on('error', (error) => {
    socketError ??= error;
  });
  try {
    await redis.connect();
    const persistence = parseInfo(await redis.info('persistence'));
    const memory = parseInfo(await redis.info('memory'));
    const saveRule = await redis.config('GET', 'save').then(
      (answer) => (Array.isArray(answer) ? String(answer[1] ?? '') : undefined),
      // Managed services often refuse CONFIG: persistence is then judged by AOF alone.
      () => undefined,
    );
    const isAof = persistence.get('aof_enabled') === '1';
    const hasSnapshots = saveRule !== undefined && saveRule.trim() !== '';
    const policy = memory.get('maxmemory_policy') ?? 'unknown';
    const warnings: string[] = [];
    const fixes: string[] = [];
    if (policy !== 'noeviction') {
      warnings.push(`its maxmemory-policy is ${policy}, which may evict used tokens early and let them be used again`);
      fixes.push('set maxmemory-policy noeviction');
    }
    if (!isAof && saveRule !== undefined && !hasSnapshots) {
      warnings.push('it persists nothing, so a Redis restart forgets the tokens used in the last ten minutes');
      fixes.push('turn on AOF (appendonly yes, appendfsync everysec)');
    }
    if (warnings.length > 0) {
      return {
        id: 'store',
        label: LABEL,
        status: 'warn',
        message: `Redis at ${shown} answers, but ${warnings.join('; and ')}`,
        fix: `${fixes.join(' and ')} (see docs/DEPLOY.md)`,
      };
    }
    const kept = isAof ? 'AOF' : hasSnapshots ? 'RDB snapshots' : 'persistence not readable';
    return { id: 'store', label: LABEL, status: 'pass', message: `Redis at ${shown} answers (${kept}, maxmemory-policy ${policy})` };
  } catch (error) {
    const reason = (socketError ?? error) as { code?: unknown; message?: unknown };
    const cause = printable(String(reason.code ?? reason.message));
    return {
      id: 'store',
      label: LABEL,
      status: 'fail',
      message: `could not use Redis at ${shown}: ${cause}; until it answers, every submit and skip is refused (503)`,
      fix: 'start Redis or correct REDIS_URL (host, port, password, rediss:// for TLS)',
    };
  } finally {
    redis.disconnect();
  }
}

/** `INFO` text as a map of its `key:value` lines. */
function parseInfo(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split(/\r?\n/u)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) entries.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return entries;
}
