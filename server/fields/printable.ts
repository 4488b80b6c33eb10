// Text from a file, the environment or a token, made safe to repeat in a one-line message or log
// field: control and line-separator characters shown as `?`, and cut short.

/** `text` on one line, at most `maxLength` UTF-16 units followed by `…` when longer. */
export function toPrintable(text: string, maxLength: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu, '?');
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}
