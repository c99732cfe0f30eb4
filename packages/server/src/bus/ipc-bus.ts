/**
 * The bus across node:cluster workers on one machine: every publish goes to the primary over the
 * worker's IPC channel, and the primary (IpcBusHub) sends it to every worker — the sender
 * included — and to its own subscribers. The primary is the one point every message passes, and
 * each IPC channel is FIFO, so every worker sees every sender's messages in the order they were
 * published (in fact all workers see the same total order). Messages are JSON on the wire, as on
 * a networked bus: subscribers check them with the guards in channels.ts.
 */
import type { Bus, BusHandler } from './bus.js';

/** One bus message on an IPC channel. Other IPC messages (cluster control) never look like this. */
export interface BusEnvelope {
  mw: 'bus';
  channel: string;
  message: unknown;
}

export function isBusEnvelope(m: unknown): m is BusEnvelope {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return o.mw === 'bus' && typeof o.channel === 'string' && 'message' in o;
}

/** The worker's end of the IPC channel (the process object in a cluster worker). */
export interface IpcPort {
  send(message: BusEnvelope, callback: (err: Error | null) => void): void;
  onMessage(listener: (m: unknown) => void): () => void;
}

/** The IPC channel of this process (it must have been forked with one). */
export function processPort(): IpcPort {
  const send = process.send?.bind(process);
  if (!send) throw new Error('IpcBus needs an IPC channel (run as a cluster worker)');
  return {
    send: (message, callback) => void send(message, undefined, undefined, callback),
    onMessage(listener) {
      process.on('message', listener);
      return () => void process.off('message', listener);
    },
  };
}

type ErrorSink = (err: unknown, channel: string) => void;
const warn: ErrorSink = (err) => process.emitWarning(String(err));

/** Subscribers by channel; one that throws never stops the others. */
class Subscribers {
  private readonly byChannel = new Map<string, Set<BusHandler>>();
  constructor(private readonly onError: ErrorSink) {}

  add(channel: string, handler: BusHandler): () => void {
    let set = this.byChannel.get(channel);
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  deliver(channel: string, message: unknown): void {
    const set = this.byChannel.get(channel);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h(message);
      } catch (err) {
        this.onError(err, channel);
      }
    }
  }

  clear(): void {
    this.byChannel.clear();
  }
}

/** A cluster worker's bus. `publish` resolves once the message is handed to the IPC channel. */
export class IpcBus implements Bus {
  private readonly subs: Subscribers;
  private readonly unlisten: () => void;
  private closed = false;

  constructor(
    readonly workerId: string,
    private readonly port: IpcPort = processPort(),
    onError: ErrorSink = warn,
  ) {
    this.subs = new Subscribers(onError);
    this.unlisten = port.onMessage((m) => {
      if (!this.closed && isBusEnvelope(m)) this.subs.deliver(m.channel, m.message);
    });
  }

  publish(channel: string, message: unknown): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => this.port.send({ mw: 'bus', channel, message }, (err) => (err ? reject(err) : resolve())));
  }

  subscribe(channel: string, handler: BusHandler): () => void {
    return this.subs.add(channel, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unlisten();
    this.subs.clear();
  }
}

/** A worker as the hub sees it (a cluster.Worker). */
export interface HubPeer {
  send(message: BusEnvelope): boolean;
  isConnected(): boolean;
}

/**
 * The primary's side: `relay` every message a worker sends (cluster 'message'); bus messages go to
 * all connected workers and to the primary's own subscribers. The primary may publish too.
 */
export class IpcBusHub implements Bus {
  private readonly subs: Subscribers;
  private closed = false;

  constructor(
    readonly workerId: string,
    private readonly peers: () => Iterable<HubPeer>,
    onError: ErrorSink = warn,
  ) {
    this.subs = new Subscribers(onError);
  }

  /** Fans a worker's bus message out; false when `m` is not a bus message (left to the caller). */
  relay(m: unknown): boolean {
    if (!isBusEnvelope(m)) return false;
    if (!this.closed) this.fanOut(m);
    return true;
  }

  async publish(channel: string, message: unknown): Promise<void> {
    if (this.closed) return;
    // Round-trip through JSON, as a worker's message would, so local subscribers see the same shape.
    const envelope = JSON.parse(JSON.stringify({ mw: 'bus', channel, message })) as BusEnvelope;
    queueMicrotask(() => this.fanOut(envelope));
  }

  subscribe(channel: string, handler: BusHandler): () => void {
    return this.subs.add(channel, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subs.clear();
  }

  private fanOut(envelope: BusEnvelope): void {
    for (const peer of this.peers()) {
      // A worker that is exiting may have lost its channel a moment ago: skip it, never throw.
      if (!peer.isConnected()) continue;
      try {
        peer.send(envelope);
      } catch {
        /* channel closed in between */
      }
    }
    this.subs.deliver(envelope.channel, envelope.message);
  }
}
