/**
 * A run on many devices from the browser: create it (`runs.create`), then follow its output
 * stream (`openRunStream`) into per-device state. Output is decoded as UTF-8 per device and
 * stream, with a streaming decoder so a character split across frames stays whole.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { openRunStream, type RunStream } from '@meshwork/client';
import type { RunCreateBody, RunDeviceState, RunOutcome, RunStreamFrame } from '@meshwork/protocol';
import { api, browserSocket, csrfToken, errorText, origin } from './api.js';

export interface DeviceRun {
  deviceId: string;
  name: string;
  state: RunDeviceState;
  output: string;
  outcome: RunOutcome | null;
}

export interface RunState {
  phase: 'idle' | 'starting' | 'running' | 'done' | 'error';
  runId: string | null;
  devices: DeviceRun[];
  error: string | null;
}

const IDLE: RunState = { phase: 'idle', runId: null, devices: [], error: null };
/** Shown output per device is capped (the agent caps what it sends at 1 MiB too). */
const MAX_SHOWN = 512 * 1024;

/** `ls -l "my dir"` → ['ls', '-l', 'my dir']: spaces split, '…' and "…" quote, \ escapes. */
export function splitArgv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

function base64Bytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function useRun() {
  const [state, setState] = useState<RunState>(IDLE);
  const stream = useRef<RunStream | null>(null);
  useEffect(() => () => stream.current?.close(), []);

  const start = useCallback(async (body: RunCreateBody) => {
    stream.current?.close();
    setState({ ...IDLE, phase: 'starting' });
    let runId: string;
    try {
      const created = await api.runs.create(body);
      runId = created.runId;
      setState({ phase: 'running', runId, error: null, devices: created.devices.map((d) => ({ ...d, output: '', outcome: null })) });
    } catch (e) {
      return setState({ ...IDLE, phase: 'error', error: errorText(e) });
    }
    const s = openRunStream({ baseUrl: origin(), runId, socket: browserSocket, ...(csrfToken() ? { csrfToken: csrfToken() } : {}) });
    stream.current = s;
    const decoders = new Map<string, TextDecoder>();
    const apply = (f: RunStreamFrame): void => {
      if (f.type === 'output') {
        const key = `${f.deviceId} ${f.stream}`;
        let dec = decoders.get(key);
        if (!dec) decoders.set(key, (dec = new TextDecoder()));
        const text = dec.decode(base64Bytes(f.data), { stream: true });
        setState((st) => ({ ...st, devices: st.devices.map((d) => (d.deviceId === f.deviceId && d.output.length < MAX_SHOWN ? { ...d, output: (d.output + text).slice(0, MAX_SHOWN) } : d)) }));
      } else if (f.type === 'exit') {
        const { type: _t, seq: _s, deviceId, state, ...outcome } = f;
        setState((st) => ({ ...st, devices: st.devices.map((d) => (d.deviceId === deviceId ? { ...d, state, outcome } : d)) }));
      } else if (f.type === 'done') {
        setState((st) => ({ ...st, phase: 'done' }));
      }
    };
    try {
      for await (const f of s) apply(f);
      setState((st) => (st.runId === runId && st.phase === 'running' ? { ...st, phase: 'done' } : st));
    } catch (e) {
      setState((st) => (st.runId === runId ? { ...st, phase: 'error', error: errorText(e) } : st));
    }
  }, []);

  return { state, start };
}

export interface RunSummary {
  ok: number;
  failed: number;
  offline: number;
  running: number;
}

export function summarize(devices: readonly DeviceRun[]): RunSummary {
  const s: RunSummary = { ok: 0, failed: 0, offline: 0, running: 0 };
  for (const d of devices) {
    if (d.state === 'sent') s.running++;
    else if (d.state === 'offline') s.offline++;
    else if (d.state === 'exited' && d.outcome?.exitCode === 0) s.ok++;
    else s.failed++;
  }
  return s;
}

/** `exit 0`, `signal SIGTERM`, `timed out`, `offline`, … */
export function outcomeText(d: DeviceRun): string {
  const o = d.outcome;
  switch (d.state) {
    case 'sent': return 'running…';
    case 'offline': return 'offline';
    case 'denied': return 'denied: no right to run commands';
    case 'timeout': return 'timed out';
    case 'lost': return 'lost: the device disconnected';
    case 'failed': return `failed${o?.error ? `: ${o.error}` : ''}`;
    case 'exited': return o?.exitCode !== null && o?.exitCode !== undefined ? `exit ${o.exitCode}` : `signal ${o?.signal ?? '?'}`;
  }
}
