/**
 * A shell on the device: xterm.js over a relay session {protocol: 'terminal'}. Binary frames are
 * pty bytes both ways; `resize` goes out when the panel changes size (fit addon); `exit` comes
 * back before the agent closes. Copy: select, then Ctrl+Shift+C (or the Copy button); paste:
 * Ctrl+Shift+V, the browser's paste, or the Paste button. Loaded lazily (xterm is large).
 */
import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { messageBytes, type RelaySocket } from '@meshwork/client';
import { DEFAULT_TERM, TerminalAgentFrame, type TerminalExit, type TerminalResize } from '@meshwork/protocol';
import { Button, Notice } from '../ui.js';
import { errorText } from '../../lib/api.js';
import { openBrowserRelay, printable } from '../../lib/device-relay.js';
import { mirrorInlineStyles } from '../../lib/device-xterm-css.js';

type Phase = { state: 'connecting' } | { state: 'open' } | { state: 'ended'; exit: TerminalExit | null; reason: string };

export function TerminalTab({ deviceId, online }: { deviceId: string; online: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const fit = useRef<FitAddon | null>(null);
  const socket = useRef<RelaySocket | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [phase, setPhase] = useState<Phase>({ state: 'connecting' });
  const [note, setNote] = useState<string | null>(null);

  // The terminal itself lives as long as the tab (its scrollback survives a reconnect).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const unmirror = mirrorInlineStyles(el);
    const t = new Terminal({ cursorBlink: true, convertEol: false, scrollback: 5000, fontFamily: 'ui-monospace, Menlo, Consolas, monospace', fontSize: 14 });
    const f = new FitAddon();
    t.loadAddon(f);
    t.open(el);
    f.fit();
    term.current = t;
    fit.current = f;
    const enc = new TextEncoder();
    const send = (bytes: Uint8Array): void => {
      if (socket.current?.readyState === 1) socket.current.send(bytes);
    };
    t.onData((d) => send(enc.encode(d)));
    t.onBinary((d) => send(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)));
    t.onResize(({ cols, rows }) => {
      const r: TerminalResize = { type: 'resize', cols, rows };
      if (socket.current?.readyState === 1) socket.current.send(JSON.stringify(r));
    });
    t.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC') {
        if (t.hasSelection()) void navigator.clipboard?.writeText(t.getSelection());
        return false;
      }
      return e.code !== 'KeyV'; // let the browser paste; xterm handles the paste event
    });
    const ro = new ResizeObserver(() => f.fit());
    ro.observe(el);
    return () => {
      ro.disconnect();
      t.dispose();
      unmirror();
      term.current = fit.current = null;
    };
  }, []);

  // One relay session per attempt.
  useEffect(() => {
    const t = term.current;
    if (!t || !online) return;
    let closed = false;
    let exit: TerminalExit | null = null;
    setPhase({ state: 'connecting' });
    fit.current?.fit();
    openBrowserRelay(deviceId, { protocol: 'terminal', cols: t.cols, rows: t.rows, term: DEFAULT_TERM }).then(
      ({ socket: s }) => {
        if (closed) return s.close(1000, 'closed');
        socket.current = s;
        setPhase({ state: 'open' });
        s.addEventListener('message', (ev) => {
          if (typeof ev.data === 'string') {
            try {
              const f = TerminalAgentFrame.safeParse(JSON.parse(ev.data));
              if (f.success) exit = f.data;
            } catch {
              // not JSON: ignore
            }
            return;
          }
          const bytes = messageBytes(ev.data);
          if (bytes) t.write(bytes);
        });
        s.addEventListener('close', (ev) => {
          if (socket.current === s) socket.current = null;
          if (!closed) setPhase({ state: 'ended', exit, reason: ev.code === 1000 ? '' : `${printable(ev.reason || 'closed')} (${ev.code})` });
        });
        t.focus();
      },
      (e: unknown) => !closed && setPhase({ state: 'ended', exit: null, reason: errorText(e) }),
    );
    return () => {
      closed = true;
      socket.current?.close(1000, 'closed');
      socket.current = null;
    };
  }, [deviceId, online, attempt]);

  async function paste(): Promise<void> {
    try {
      const text = await navigator.clipboard.readText();
      term.current?.paste(text);
      term.current?.focus();
    } catch {
      setNote('The browser did not allow reading the clipboard: use Ctrl+Shift+V in the terminal.');
    }
  }
  function copy(): void {
    const t = term.current;
    if (t?.hasSelection()) void navigator.clipboard?.writeText(t.getSelection()).then(() => setNote('Copied.'), () => setNote('The browser did not allow writing to the clipboard.'));
    else setNote('Select text in the terminal first.');
  }

  return (
    <section className="terminal-tab" aria-label="Terminal">
      <div className="row">
        <span className="muted grow" role="status" data-testid="terminal-status">{statusText(phase, online)}</span>
        <Button onClick={copy}>Copy</Button>
        <Button onClick={() => void paste()} disabled={phase.state !== 'open'}>Paste</Button>
        {phase.state === 'ended' && online && <Button variant="primary" onClick={() => setAttempt((a) => a + 1)}>Reconnect</Button>}
      </div>
      {note && <Notice kind="info">{note}</Notice>}
      <div ref={box} className="terminal-box" data-testid="terminal" />
    </section>
  );
}

function statusText(p: Phase, online: boolean): string {
  if (!online && p.state !== 'open') return 'The device is offline.';
  if (p.state === 'connecting') return 'Connecting…';
  if (p.state === 'open') return 'Connected. Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes.';
  if (p.exit) return p.exit.code !== null ? `The shell exited with status ${p.exit.code}.` : `The shell was ended by signal ${p.exit.signal ?? '?'}.`;
  return `The session ended${p.reason ? `: ${p.reason}` : '.'}`;
}
