/**
 * `meshwork shell DEVICE`: an interactive shell on the device (a real pty, terminal protocol).
 * On a TTY: raw mode, and SIGWINCH becomes `resize`. Piped stdin works too (its bytes are typed
 * into the pty; at its end a Ctrl-D is sent). Exits with the remote shell's exit code
 * (128 + signal when it was killed by a signal).
 */
import { messageBytes, type RelaySocket } from '@meshwork/client';
import { DEFAULT_TERM, RELAY_CLOSE_CODES, TermName, TerminalAgentFrame, type TerminalResize } from '@meshwork/protocol';
import { CliError } from '../errors.js';
import { printable } from '../output/printable.js';
import { control, remoteBytesNow, text } from '../output/streams.js';
import { connectRelay, deviceIdOf } from '../relay.js';
import { pos, type CommandSpec } from '../spec.js';

export interface TerminalIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Runs the user end of a terminal session until the relay closes; resolves with the exit code. */
export function runTerminal(socket: RelaySocket, io: TerminalIo): Promise<number> {
  const tty = io.stdin.isTTY === true && io.stdout.isTTY === true;
  return new Promise<number>((resolve) => {
    let exitCode: number | null = null;
    const onWinch = (): void => {
      const r: TerminalResize = { type: 'resize', cols: io.stdout.columns || 80, rows: io.stdout.rows || 24 };
      socket.send(JSON.stringify(r));
    };
    const onInput = (d: Buffer): void => socket.send(d);
    const onEnd = (): void => {
      if (!tty) socket.send(new Uint8Array([4])); // Ctrl-D: end of input for the remote shell
    };
    const cleanup = (): void => {
      io.stdin.off('data', onInput);
      io.stdin.off('end', onEnd);
      io.stdin.pause();
      if (tty) {
        process.off('SIGWINCH', onWinch);
        io.stdin.setRawMode(false);
      }
    };
    socket.addEventListener('message', (ev) => {
      if (typeof ev.data === 'string') {
        let json: unknown;
        try {
          json = JSON.parse(ev.data);
        } catch {
          return;
        }
        const f = TerminalAgentFrame.safeParse(json);
        if (f.success) exitCode = f.data.code ?? 128 + (f.data.signal ?? 0);
        return;
      }
      const bytes = messageBytes(ev.data);
      if (!bytes) return;
      if (!remoteBytesNow(io.stdout, bytes)) {
        socket.pause?.();
        io.stdout.once('drain', () => socket.resume?.());
      }
    });
    socket.addEventListener('close', (ev) => {
      cleanup();
      if (exitCode !== null) return resolve(exitCode);
      if (ev.code !== RELAY_CLOSE_CODES.normal) {
        void control(io.stderr, 'freshLine');
        void text(io.stderr, `meshwork: the session ended: ${printable(ev.reason || String(ev.code))} (${ev.code})\n`);
      }
      resolve(ev.code === RELAY_CLOSE_CODES.normal ? 0 : 1);
    });
    if (tty) {
      io.stdin.setRawMode(true);
      process.on('SIGWINCH', onWinch);
    }
    io.stdin.on('data', onInput);
    io.stdin.on('end', onEnd);
    io.stdin.resume();
    socket.resume?.();
  });
}

export const shellCommands: CommandSpec[] = [
  {
    name: 'shell',
    args: ['DEVICE'],
    summary: 'Interactive shell on a device (needs --server)',
    details: 'Raw mode on a terminal; piped input is typed into the shell. Exits with the remote exit code.',
    options: {},
    async run(ctx, input) {
      const deviceId = await deviceIdOf(ctx, pos(input, 0));
      const envTerm = TermName.safeParse(process.env.TERM);
      const { socket } = await connectRelay(ctx, deviceId, {
        protocol: 'terminal',
        cols: process.stdout.columns || 80,
        rows: process.stdout.rows || 24,
        term: envTerm.success ? envTerm.data : DEFAULT_TERM,
      });
      const code = await runTerminal(socket, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
      if (code < 0 || code > 255) throw new CliError('internal', `unexpected exit code ${code}`);
      return code;
    },
  },
];
