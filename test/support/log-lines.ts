// A logger stream for tests that read what the server logs: every line written, as written.
import { Writable } from 'node:stream';

export interface CapturedLines {
  /** The lines written so far, each a JSON log line with its newline. */
  readonly lines: string[];
  /** Give it to Fastify as `logger: { stream }`. */
  readonly stream: Writable;
}

export function captureLines(): CapturedLines {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}
