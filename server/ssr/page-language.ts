// The language of the hosted page: the login's own (T1's `lang` claim), else the browser's first
// one the widget speaks, else English. The element is given the same, so both say the same.

/** Longest `Accept-Language` entries read: a browser sends a handful; a long header is cut, not parsed whole. */
const MAX_ACCEPT_LANGUAGE_ENTRIES = 20;

/**
 * `claim` when it is a well-formed language tag (canonicalized: `es-mx` → `es-MX`), else the
 * highest-weighted tag of `acceptLanguage` whose primary language is one of `supported` (as sent,
 * canonicalized, so labels written for `es-MX` still match), else `en`.
 */
export function choosePageLanguage(claim: unknown, acceptLanguage: string | undefined, supported: readonly string[]): string {
  const claimed = typeof claim === 'string' ? canonicalTag(claim) : undefined;
  if (claimed) return claimed;
  for (const tag of readAcceptLanguage(acceptLanguage)) {
    if (supported.includes(tag.split('-')[0].toLowerCase())) return tag;
  }
  return 'en';
}

/** The tags of an `Accept-Language` header, well-formed ones only, by weight (ties keep their order); `q=0` and `*` left out. */
export function readAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  const entries: { tag: string; weight: number }[] = [];
  for (const entry of header.split(',').slice(0, MAX_ACCEPT_LANGUAGE_ENTRIES)) {
    const [range, ...parameters] = entry.split(';').map((part) => part.trim());
    const quality = parameters.find((parameter) => /^q=/iu.test(parameter));
    const weight = quality === undefined ? 1 : Number(quality.slice(2));
    const tag = canonicalTag(range);
    if (tag && weight > 0 && weight <= 1) entries.push({ tag, weight });
  }
  return entries.sort((a, b) => b.weight - a.weight).map((entry) => entry.tag);
}

/** The canonical form of a BCP 47 language tag, or undefined for anything else (`*`, markup, junk). */
function canonicalTag(text: string): string | undefined {
  if (text.length > 35 || !/^[a-z]{2,8}(-[a-z0-9]{1,8})*$/iu.test(text)) return undefined;
  try {
    return Intl.getCanonicalLocales(text)[0];
  } catch {
    return undefined;
  }
}
