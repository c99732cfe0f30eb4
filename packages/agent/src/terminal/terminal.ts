/**
 * Terminal sessions: a real pty (node-pty) running the login shell of the user the agent runs as
 * (its passwd shell, else $SHELL, else /bin/sh, started with -l) in that user's home directory,
 * with a small clean environment (HOME, USER, LOGNAME, SHELL, PATH, LANG, TERM — nothing of the
 * agent's own). Raw bytes both ways in binary frames (no decoding, so UTF-8 split across frames
 * is fine); `resize` text frames; at exit `exit {code, signal}` then close 1000. The pty is killed
 * when the relay closes. pty output is paced (PacedSender): a slow viewer pauses the pty.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { IPty } from 'node-pty';
import { WebSocket } from '../connection/ws.js';
import { RELAY_CLOSE_CODES, TerminalUserFrame, type TerminalExit, type TerminalOptions } from '@meshwork/protocol/relay/index';
import type { ProtocolHandler, RelaySession } from '../relay/manager.js';
import { closed, PacedSender, parseText, rawToBuffer } from '../relay/paced-sender.js';

export interface ShellSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** The login shell of the user the agent runs as, and its environment. */
export function loginShell(term: string): ShellSpec {
  let info: { username: string; homedir: string; shell: string | null } = { username: 'root', homedir: '/', shell: null };
  try {
    info = os.userInfo();
  } catch {
    // no passwd entry: keep the defaults
  }
  const candidates = [info.shell, process.env.SHELL, '/bin/sh'];
  const file = candidates.find((s): s is string => typeof s === 'string' && s.startsWith('/') && existsSync(s)) ?? '/bin/sh';
  const home = info.homedir && existsSync(info.homedir) ? info.homedir : '/';
  const env: Record<string, string> = {
    HOME: home,
    USER: info.username,
    LOGNAME: info.username,
    SHELL: file,
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    TERM: term,
  };
  return { file, args: ['-l'], cwd: home, env };
}

export interface TerminalHandlerOptions {
  shell?: (term: string) => ShellSpec;
}

/** After the shell exits: output quiet this long means the pty is drained (at most EXIT_DRAIN_MAX_MS). */
const EXIT_QUIET_MS = 25;
const EXIT_DRAIN_MAX_MS = 1_000;

type NodePty = typeof import('node-pty');
let nodePty: NodePty | undefined;
/**
 * node-pty (a native addon) is loaded by the first terminal session, not at agent start: an idle
 * agent does not carry it, and a node-pty that cannot load fails terminal sessions, not the agent.
 */
const requirePty = (): NodePty => (nodePty ??= createRequire(import.meta.url)('node-pty') as NodePty);

export function terminalHandler(o: TerminalHandlerOptions = {}): ProtocolHandler<TerminalOptions, NodePty | undefined> {
  return {
    // Before the relay is dialled: a failure to load becomes the session's agentError.
    prepare: async () => requirePty(),
    run: (s, pty) => runTerminal(s, pty ?? requirePty(), o.shell ?? loginShell),
  };
}

async function runTerminal(s: RelaySession<TerminalOptions>, pty: NodePty, shellOf: (term: string) => ShellSpec): Promise<void> {
  const { ws, options } = s;
  const spec = shellOf(options.term);
  let p: IPty;
  try {
    p = pty.spawn(spec.file, spec.args, { name: options.term, cols: options.cols, rows: options.rows, cwd: spec.cwd, env: spec.env, encoding: null });
  } catch (e) {
    ws.close(RELAY_CLOSE_CODES.agentError, `cannot start a shell: ${(e as Error).message}`.slice(0, 110));
    return closed(ws);
  }
  let exited = false;
  let lastData = Date.now();
  const out = new PacedSender(ws, { pause: () => p.pause(), resume: () => p.resume() });
  p.onData((d: string | Buffer) => {
    lastData = Date.now();
    out.send(typeof d === 'string' ? Buffer.from(d, 'utf8') : d);
  });
  p.onExit(({ exitCode, signal }) => {
    exited = true;
    const exit: TerminalExit = { type: 'exit', code: signal ? null : exitCode, signal: signal ? signal : null };
    // node-pty reports the exit (waitpid) independently of reading the pty: the shell's last
    // output can still arrive after it. Send `exit` once the output has been quiet for a moment.
    const since = Date.now();
    const finish = (): void => {
      const now = Date.now();
      if (now - lastData < EXIT_QUIET_MS && now - since < EXIT_DRAIN_MAX_MS) return void setTimeout(finish, EXIT_QUIET_MS);
      out.control(exit);
      if (ws.readyState === WebSocket.OPEN) ws.close(RELAY_CLOSE_CODES.normal, 'shell exited');
    };
    setTimeout(finish, EXIT_QUIET_MS);
  });
  ws.on('message', (data, isBinary) => {
    if (exited) return;
    if (isBinary) return p.write(rawToBuffer(data));
    const frame = TerminalUserFrame.safeParse(parseText(data));
    if (!frame.success) {
      ws.close(RELAY_CLOSE_CODES.protocolError, 'not a terminal control frame');
      return;
    }
    p.resize(frame.data.cols, frame.data.rows);
  });
  await closed(ws);
  if (!exited) {
    try {
      p.kill('SIGHUP');
    } catch {
      // already gone
    }
  }
}
