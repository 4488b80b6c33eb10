// The doctor's one way out to the network: every request bounded in time (AbortSignal.timeout),
// bodies read only so far, and a failure told by its real cause (ENOTFOUND, ECONNREFUSED, a
// certificate error, a timeout) rather than "fetch failed".

/** How long one request of the doctor may take, body included. */
export const DEFAULT_TIMEOUT_MS = 5000;
// A form page or a bundle larger than this is read only this far.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** A request that got no answer; `message` is a sentence naming the host and the cause. */
export class NetworkFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkFailure';
  }
}

export interface DoctorHttp {
  /** `fetch` bounded by the timeout; throws `NetworkFailure` when no answer came. */
  request(url: string | URL, init?: RequestInit): Promise<Response>;
  /** The body as text, at most 2 MiB of it, within the request's time bound. */
  readText(response: Response): Promise<string>;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readJson(response: Response): Promise<unknown>;
}

export function createDoctorHttp(fetchImpl: typeof fetch, timeoutMs: number): DoctorHttp {
  return {
    async request(url, init = {}) {
      const target = new URL(url);
      try {
        return await fetchImpl(target, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new NetworkFailure(describeNetworkFailure(error, target.host, timeoutMs));
      }
    },
    async readText(response) {
      if (!response.body) return '';
      // The request's time bound covers its body too: a stalled body ends the read with a TimeoutError.
      const host = response.url ? new URL(response.url).host : 'the server';
      const reader = response.body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      try {
        while (size < MAX_BODY_BYTES) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          size += value.byteLength;
        }
      } catch (error) {
        throw new NetworkFailure(describeNetworkFailure(error, host, timeoutMs));
      } finally {
        void reader.cancel().catch(() => undefined);
      }
      return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
    },
    async readJson(response) {
      const text = await this.readText(response);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}

/** A sentence for a request that never got an answer: the host and the system's reason. */
export function describeNetworkFailure(error: unknown, host: string, timeoutMs: number): string {
  const failure = error as { name?: string; code?: string; cause?: { code?: string; name?: string; errors?: Array<{ code?: string }> } };
  if (failure?.name === 'TimeoutError' || failure?.cause?.name === 'TimeoutError') return `${host} did not answer within ${timeoutMs / 1000} s`;
  const cause = failure?.cause;
  // Node's fetch wraps the socket error; a host with several addresses wraps one per address.
  const code = cause?.code ?? cause?.errors?.find((inner) => inner?.code)?.code ?? failure?.code ?? cause?.name ?? 'unknown error';
  return `could not reach ${host}: ${code}`;
}
