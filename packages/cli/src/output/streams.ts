/**
 * Every write of the CLI to a terminal stream goes through here (a test checks that no other
 * source file writes to stdout/stderr or spells an escape sequence). Three kinds:
 * - `text`: human text, through `printableText` (see printable.ts);
 * - `control`: the CLI's own terminal controls (progress lines), never mixed with data;
 * - `remoteBytes`: a remote program's output (`shell`'s pty, `run`'s stdout/stderr), passed
 *   unchanged by design — it is what the administrator asked to see, as `ssh` does.
 */
import { once } from 'node:events';
import { printableText } from './printable.js';

type Out = NodeJS.WritableStream;

const CONTROLS = {
  /** Back to the start of the line and clear it (progress bars). */
  clearLine: '\r\x1b[K',
  /** Back to the start of the line (a progress line redrawn in place). */
  lineStart: '\r',
  /** A fresh line after a remote terminal that may have left the cursor mid-line. */
  freshLine: '\r\n',
} as const;
export type Control = keyof typeof CONTROLS;

async function put(out: Out, data: string | Uint8Array): Promise<void> {
  if (data.length === 0) return;
  if (!out.write(data)) await once(out, 'drain');
}

/** Human text, filtered; resolves when the stream can take more. */
export const text = (out: Out, s: string): Promise<void> => put(out, printableText(s));

/** One of the CLI's own terminal controls. */
export const control = (out: Out, c: Control): Promise<void> => put(out, CONTROLS[c]);

/** A remote program's output bytes, unchanged (see above); resolves when the stream can take more. */
export const remoteBytes = (out: Out, bytes: Uint8Array): Promise<void> => put(out, bytes);

/** `remoteBytes` for a caller that handles backpressure itself: false when the stream is full. */
export const remoteBytesNow = (out: Out, bytes: Uint8Array): boolean => out.write(bytes);

/** A line writer for human text: filtered, newline-terminated (the dispatcher's stdout and stderr). */
export const lineWriter =
  (write: (t: string) => void) =>
  (t: string): void => {
    const safe = printableText(t);
    write(safe.endsWith('\n') ? safe : safe + '\n');
  };

/** The process's own streams, for `run.ts`'s Io: filtered text. */
export const processText = {
  stdout: (t: string): void => void text(process.stdout, t),
  stderr: (t: string): void => void text(process.stderr, t),
};
