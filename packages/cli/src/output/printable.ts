/**
 * The one filter between server or device strings and an administrator's terminal. Names, tags,
 * event messages, file names and error messages may hold terminal control sequences (an ESC
 * sequence can clear the screen, retitle the window, fake a prompt, or on some terminals write
 * files or paste input); bidirectional overrides can make text read differently than it is.
 * Every such character is replaced by a visible escape, so an administrator sees that something
 * was there: C0 controls and DEL as `\x1b`, C1 controls, line/paragraph separators and bidi
 * embeddings, overrides and isolates as `\u009b`, `\u202e`. A backslash is left as it is.
 *
 * `printable` is for one value (a table cell, a name in a message): it escapes newlines and tabs too,
 * so a value can never start a new table row. `printableText` is for whole human output, lines
 * joined by `\n`: only the newline is kept. `jsonText` is `--json` output: `JSON.stringify`
 * escapes C0 itself but writes DEL, C1, U+2028/9 and bidi controls raw; they are written as
 * `\uXXXX` escapes, which parse to the same value.
 */

/** Characters never written raw: C0, DEL, C1, U+2028/U+2029, bidi embeddings/overrides (U+202A–E) and isolates (U+2066–9). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0');

/** `\x1b` for C0 and DEL, `\u009b` for the rest. */
export const visibleEscape = (c: string): string => (c.charCodeAt(0) < 0x80 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`);

/** One value for a terminal: every control character (newline and tab included) as a visible escape. */
export const printable = (s: string): string => s.replace(UNSAFE, visibleEscape);

/** Human output text: like `printable`, but `\n` stays a line break. */
export const printableText = (s: string): string => s.replace(UNSAFE_BUT_NEWLINE, visibleEscape);

/** `--json` output: the API's JSON, pretty-printed, with no control or bidi character left raw. */
export const jsonText = (value: unknown): string =>
  (JSON.stringify(value, null, 2) ?? 'null').replace(UNSAFE_IN_JSON, (c) => `\\u${hex(c, 4)}`);
