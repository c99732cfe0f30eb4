/**
 * `JSON.parse` with a nesting limit checked first. V8's parser takes time far out of proportion to
 * the size on deeply nested input (a 1 MiB `[[[…]]]` parses for seconds on one core, a 4 MiB one
 * for ~36 s: docs/benchmarks.md, fuzz), so every JSON text from a peer — agent frames and reports,
 * REST bodies, event-stream frames, relay control frames — passes this linear scan before the parser
 * sees it. No message of ours nests deeper than a handful of levels; MAX_JSON_DEPTH leaves room.
 */

/** Deepest nesting of arrays and objects accepted from a peer. */
export const MAX_JSON_DEPTH = 64;

export class JsonDepthError extends Error {
  constructor(readonly limit: number) {
    super(`JSON nested deeper than ${limit} levels`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether `text` nests arrays/objects at most `limit` deep, brackets inside strings not counted.
 * One pass, no allocation. Says nothing about validity: malformed text is the parser's to refuse.
 */
export function withinJsonDepth(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  if (text.length <= limit) return true; // too short to open more than `limit` levels
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return false;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return true;
}

/** `JSON.parse` after the depth check; throws JsonDepthError or the parser's SyntaxError. */
export function parseBoundedJson(text: string, reviver?: (key: string, value: unknown) => unknown, limit: number = MAX_JSON_DEPTH): unknown {
  if (!withinJsonDepth(text, limit)) throw new JsonDepthError(limit);
  return reviver ? (JSON.parse(text, reviver) as unknown) : (JSON.parse(text) as unknown);
}
