/** A small, fast tokenizer that keeps character offsets (into the text it was given). */

export interface Token {
  /** Lowercased, with curly apostrophes straightened. */
  w: string;
  raw: string;
  start: number;
  end: number;
}

const TOKEN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[!?.,;:]/gu;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(text)) !== null) {
    out.push({ w: m[0].toLowerCase().replace(/’/g, "'"), raw: m[0], start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** Splits token indices into sentences at . ! ? and at line breaks in the text. */
export function sentences(text: string, tokens: Token[]): Token[][] {
  const out: Token[][] = [];
  let current: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (prev && current.length > 0 && text.slice(prev.end, t.start).includes('\n')) {
      out.push(current);
      current = [];
    }
    current.push(t);
    if (t.w === '.' || t.w === '!' || t.w === '?') {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

export const STOPWORDS: ReadonlySet<string> = new Set(
  `a an the and or but if then so of to in on at by for with from as is are was were be been being am it its it's this that these those
   i me my we our us you your he she they them their his her him hi hello hey dear thanks thank please would could should can will
   just also about into over after before than too very really there here what which who whom when where why how all any some
   do does did doing have has had having not no yes get got let know see make made want need like one two three per via re fw fwd
   i'm we're you're i'd we'd i'll we'll it'll don't can't won't isn't let's that's there's up out off more most other such only own same
   best regards cheers kind great good nice today tomorrow yesterday week month year monday tuesday wednesday thursday friday saturday sunday
   am pm ok okay sure well still again back soon quick quickly going go now'`.split(/\s+/),
);
