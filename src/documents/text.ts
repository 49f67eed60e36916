/**
 * Text tokens for `$text` search: Unicode-normalized (NFKD), accents
 * removed, lowercased, split on anything that is not a letter or digit.
 * Each distinct word of a document's text fields is one index entry
 * (sealed like every other record: the words never reach the disk in the
 * clear). A search matches when every search word is a prefix of some word
 * of the document, so `hel wor` finds "Hello, World".
 */

const MAX_TOKEN = 64;

/** The distinct folded words of `text`, in first-seen order. */
export function tokenize(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  const out = new Set<string>();
  for (const word of folded.split(/[^\p{L}\p{N}]+/u)) {
    if (word.length > 0) out.add(word.slice(0, MAX_TOKEN));
  }
  return [...out];
}

/** Every word of the string values (strings, or arrays of strings) found at `paths` in `doc`. */
export function documentTokens(values: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (typeof value === 'string') for (const t of tokenize(value)) out.add(t);
  }
  return [...out];
}

/** True when every search token is a prefix of one of the document's tokens. */
export function textMatches(searchTokens: readonly string[], docTokens: readonly string[]): boolean {
  return searchTokens.every((s) => docTokens.some((d) => d.startsWith(s)));
}
