/**
 * Sends the inventory and software reports when the server's copy differs, and nothing else.
 *
 * The reporter keeps exactly one latest snapshot per report kind (never a queue): while the server
 * is unreachable, a re-collection replaces the snapshot, so memory stays flat however long the
 * outage lasts. After `welcome` the server says what it holds (`known`); a snapshot is sent when its
 * hash differs, and the hash is then taken as held for the rest of the session. One report is sent
 * at a time (a large one goes in acknowledged parts, see connection/report-parts.ts); the next
 * waits until it is through.
 *
 * Collection: on the first connect (not at process start, so the handshake does not compete with
 * dpkg for the CPU); the system inventory again every inventoryIntervalMs, on a network change, and
 * on connect when the last collection is older than that interval (a reconnect storm after a server
 * restart sends nothing when nothing changed); software every softwareIntervalMs. A kind whose
 * collection is running waits for it rather than sending the snapshot it is about to replace.
 */
import {
  AGENT_SESSION_MAX_FRAME,
  AgentInventoryReport,
  AgentSoftwareReport,
  type AgentSessionFrame,
  type ServerKnown,
  type SoftwareInventory,
  type SystemInventory,
} from '@meshwork/protocol/session/index';
import type { z } from 'zod';
import type { Logger } from '../connection/log.js';
import type { SessionLink as FullLink } from '../connection/session.js';
import type { AgentTiming } from '../connection/timing.js';
import { reportHash } from './hash.js';

/** The reporter sends reports only. */
type SessionLink = Pick<FullLink, 'send'>;

export interface Collectors {
  system(): Promise<SystemInventory>;
  software(): Promise<SoftwareInventory>;
}

export type ReportKind = 'inventory' | 'software';
const KINDS: readonly ReportKind[] = ['inventory', 'software'];

interface Snapshot {
  frame: AgentSessionFrame;
  hash: string;
  at: number;
}

export interface ReporterOptions {
  collectors: Collectors;
  timing: Pick<AgentTiming, 'inventoryIntervalMs' | 'softwareIntervalMs'>;
  log: Logger;
  onSent?: (kind: ReportKind, hash: string) => void;
}

export class Reporter {
  private readonly latest: Partial<Record<ReportKind, Snapshot>> = {};
  private readonly collecting: Partial<Record<ReportKind, Promise<void>>> = {};
  /** What the server holds, from `known` on the live session; undefined until then. */
  private serverHas: Record<ReportKind, string | null> | undefined;
  private link: SessionLink | undefined;
  /** The link a report is being sent on (until it is through or the session ended). */
  private sending: SessionLink | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly o: ReporterOptions) {}

  start(): void {
    const every = (ms: number, kind: ReportKind) => {
      const t = setInterval(() => void this.refresh(kind), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.o.timing.inventoryIntervalMs, 'inventory');
    every(this.o.timing.softwareIntervalMs, 'software');
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.link = undefined;
  }

  /** A session went live; reports wait for its `known`. */
  attach(link: SessionLink): void {
    this.link = link;
    this.serverHas = undefined;
    const inv = this.latest.inventory;
    if (!inv || Date.now() - inv.at >= this.o.timing.inventoryIntervalMs) void this.refresh('inventory');
    if (!this.latest.software) void this.refresh('software');
  }

  detach(): void {
    this.link = undefined;
    this.serverHas = undefined;
  }

  known(k: ServerKnown): void {
    this.serverHas = { inventory: k.inventoryHash, software: k.softwareHash };
    this.flush();
  }

  /** Snapshots the server does not hold yet (0–2: one slot per kind, never a queue). */
  pending(): number {
    return KINDS.filter((k) => {
      const s = this.latest[k];
      return s !== undefined && s.hash !== this.serverHas?.[k];
    }).length;
  }

  /** Re-collects one kind (single flight) and sends it if the server's copy differs. */
  refresh(kind: ReportKind): Promise<void> {
    const running = this.collecting[kind];
    if (running) return running;
    const p = this.collect(kind).then(
      (snap) => {
        delete this.collecting[kind];
        if (snap && !this.stopped) {
          this.latest[kind] = snap;
          this.flush();
        }
      },
      (e: unknown) => {
        delete this.collecting[kind];
        this.o.log.warn(`could not collect the ${kind} report`, { error: (e as Error).message });
        this.flush(); // the previous snapshot, if any, is still worth sending
      },
    );
    this.collecting[kind] = p;
    return p;
  }

  private async collect(kind: ReportKind): Promise<Snapshot | undefined> {
    const at = Date.now();
    if (kind === 'inventory') {
      const inventory = await this.o.collectors.system();
      const hash = reportHash(inventory);
      return this.validated(kind, AgentInventoryReport, { type: 'inventory', hash, inventory }, hash, at);
    }
    const software = await this.o.collectors.software();
    const hash = reportHash(software);
    return this.validated(kind, AgentSoftwareReport, { type: 'software', hash, software }, hash, at);
  }

  /** A report the server would refuse is logged and dropped here, not sent. */
  private validated(kind: ReportKind, schema: z.ZodType<AgentSessionFrame>, frame: AgentSessionFrame, hash: string, at: number): Snapshot | undefined {
    const r = schema.safeParse(frame);
    if (!r.success) {
      const issue = r.error.issues[0];
      this.o.log.warn(`the ${kind} report does not match the protocol schema; not sent`, { path: issue?.path.map(String).join('.'), error: issue?.message });
      return undefined;
    }
    return { frame: r.data, hash, at };
  }

  /** Sends the first report the server lacks; when it is through, the next. */
  private flush(): void {
    const link = this.link;
    const has = this.serverHas;
    if (!link || !has || this.sending === link) return;
    for (const kind of KINDS) {
      const snap = this.latest[kind];
      if (!snap || snap.hash === has[kind] || this.collecting[kind]) continue;
      const bytes = Buffer.byteLength(JSON.stringify(snap.frame));
      if (bytes > AGENT_SESSION_MAX_FRAME) {
        this.o.log.warn(`the ${kind} report is larger than the server accepts; not sent`, { bytes });
        continue;
      }
      // Taken as held from now on for this session; a session that ends first takes `has` with it.
      has[kind] = snap.hash;
      this.sending = link;
      void link.send(snap.frame).then((frames) => {
        if (this.sending === link) this.sending = undefined;
        if (frames === 0) return; // the session ended: the next one's `known` decides
        this.o.log.debug(`sent the ${kind} report`, { hash: snap.hash, bytes, ...(frames > 1 ? { parts: frames } : {}) });
        this.o.onSent?.(kind, snap.hash);
        this.flush();
      });
      return;
    }
  }
}
