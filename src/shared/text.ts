/**
 * Text that PostgreSQL can store. A text column refuses U+0000 (NUL), and UTF-8 has no
 * encoding for a lone UTF-16 surrogate (a half emoji from a bad copy-paste or a buggy client):
 * both are refused where they enter, with the field named, never as a database error.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with this text, in words for the person who sent it; null when nothing is. */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000); remove it and send the text again';
  if (LONE_SURROGATE.test(value)) return 'contains a broken character (half of a UTF-16 surrogate pair, often from a copy-paste); remove it and send the text again';
  return null;
}
