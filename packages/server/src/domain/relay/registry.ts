/**
 * Relay sessions that were created but not yet paired: the records the HTTP handler makes and the
 * relay endpoint consumes. Each record holds two independent 256-bit secrets — the user's
 * `sessionId` and the agent's `token` — kept only as SHA-256 keys in memory, never logged, never
 * listed. Each end can be claimed exactly once; a record is gone once paired, failed for good, or
 * expired (RELAY_PAIR_TIMEOUT_MS), so a session id is never usable twice.
 *
 * Each worker keeps its own records. With several workers the first character of both secrets
 * names the worker slot that created the record (its *owner*), so whichever worker a socket lands
 * on knows where to splice it (ws/relay/splice.ts); the other 42 characters are random (252 bits).
 * See docs/design.md §9 ("Workers").
 */
import { createHash, randomBytes } from 'node:crypto';
import { RELAY_PAIR_TIMEOUT_MS, type RelayOptions, type RelayProtocol } from '@meshwork/protocol';
import { ApiError } from '../../errors.js';

export interface RelayRecord {
  /** Non-secret label for logs and events. */
  relayId: string;
  protocol: RelayProtocol;
  deviceId: string;
  deviceName: string;
  groupId: string;
  userId: string;
  userName: string;
  rights: number;
  options: RelayOptions;
  createdAt: number;
  expiresAt: number;
}

export interface CreatedRelay {
  record: RelayRecord;
  /** Given to the user (once, in the API answer). */
  sessionId: string;
  /** Given to the agent (once, over its control connection). */
  token: string;
}

export type RelayEnd = 'user' | 'agent';

/** What the relay endpoint is told about records it has to clean up. */
export interface RelayListener {
  expired(record: RelayRecord): void;
}

export interface RelayLimits {
  /** Unpaired sessions per user, and in all. */
  maxPendingPerUser: number;
  maxPending: number;
  pairTimeoutMs: number;
}

export const RELAY_LIMITS: RelayLimits = { maxPendingPerUser: 32, maxPending: 1_000, pairTimeoutMs: RELAY_PAIR_TIMEOUT_MS };

export interface RelaySessions {
  /** The worker slot whose records these are (0 without workers); see ownerSlot(). */
  readonly slot: number;
  /** True while a relay endpoint in this process can pair sockets (not in the CLI's local mode). */
  readonly accepting: boolean;
  create(input: Omit<RelayRecord, 'relayId' | 'createdAt' | 'expiresAt'>, now: number): CreatedRelay;
  /** Claims one end by its secret: the record, or null when unknown, expired, already claimed, or (user end) of another user. */
  claim(end: RelayEnd, secret: string, userId?: string): RelayRecord | null;
  /** Forgets a record (paired, failed or abandoned). Idempotent. */
  remove(relayId: string): void;
  /** Called by the relay endpoint when it starts and stops serving. */
  attach(listener: RelayListener): () => void;
  readonly pending: number;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Worker slots that fit in the first character of a secret (0 = a server without workers). */
export const MAX_RELAY_SLOT = ALPHABET.length - 1;
const secret = (slot: number): string => ALPHABET[slot] + randomBytes(32).toString('base64url').slice(1);

/** The worker slot that created the record behind a secret, or null when it is not one of ours. */
export function ownerSlot(s: string): number | null {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(s)) return null;
  return ALPHABET.indexOf(s[0]!);
}
const key = (s: string): string => createHash('sha256').update(s).digest('base64url');

interface Entry {
  record: RelayRecord;
  userKey: string;
  agentKey: string;
  claimed: Set<RelayEnd>;
  timer: NodeJS.Timeout;
}

export class InProcessRelaySessions implements RelaySessions {
  private readonly byId = new Map<string, Entry>();
  private readonly byKey = new Map<string, { entry: Entry; end: RelayEnd }>();
  private listener: RelayListener | null = null;

  constructor(
    private readonly limits: RelayLimits = RELAY_LIMITS,
    /** This worker's slot (1..MAX_RELAY_SLOT), or 0 without workers. */
    readonly slot = 0,
  ) {
    if (!Number.isInteger(slot) || slot < 0 || slot > MAX_RELAY_SLOT) throw new RangeError(`relay slot ${slot} is out of range`);
  }

  get accepting(): boolean {
    return this.listener !== null;
  }

  get pending(): number {
    return this.byId.size;
  }

  attach(listener: RelayListener): () => void {
    this.listener = listener;
    return () => {
      if (this.listener === listener) this.listener = null;
      for (const id of [...this.byId.keys()]) this.remove(id);
    };
  }

  create(input: Omit<RelayRecord, 'relayId' | 'createdAt' | 'expiresAt'>, now: number): CreatedRelay {
    if (!this.accepting) throw new ApiError('unavailable', 'Relay sessions need a running server.');
    if (this.byId.size >= this.limits.maxPending) throw new ApiError('rate_limited', 'Too many relay sessions are waiting to connect.');
    let mine = 0;
    for (const e of this.byId.values()) if (e.record.userId === input.userId) mine++;
    if (mine >= this.limits.maxPendingPerUser) throw new ApiError('rate_limited', 'Too many of your relay sessions are waiting to connect.');
    const record: RelayRecord = { ...input, relayId: randomBytes(8).toString('hex'), createdAt: now, expiresAt: now + this.limits.pairTimeoutMs };
    const sessionId = secret(this.slot);
    const token = secret(this.slot);
    const timer = setTimeout(() => this.expire(record.relayId), this.limits.pairTimeoutMs);
    timer.unref();
    const entry: Entry = { record, userKey: key(sessionId), agentKey: key(token), claimed: new Set(), timer };
    this.byId.set(record.relayId, entry);
    this.byKey.set(entry.userKey, { entry, end: 'user' });
    this.byKey.set(entry.agentKey, { entry, end: 'agent' });
    return { record, sessionId, token };
  }

  claim(end: RelayEnd, s: string, userId?: string): RelayRecord | null {
    if (typeof s !== 'string' || s.length !== 43) return null;
    const found = this.byKey.get(key(s));
    if (!found || found.end !== end || found.entry.claimed.has(end)) return null;
    if (end === 'user' && found.entry.record.userId !== userId) return null;
    found.entry.claimed.add(end);
    // A claimed secret is dead at once: nobody can present it again.
    this.byKey.delete(end === 'user' ? found.entry.userKey : found.entry.agentKey);
    return found.entry.record;
  }

  remove(relayId: string): void {
    const e = this.byId.get(relayId);
    if (!e) return;
    clearTimeout(e.timer);
    this.byId.delete(relayId);
    this.byKey.delete(e.userKey);
    this.byKey.delete(e.agentKey);
  }

  private expire(relayId: string): void {
    const e = this.byId.get(relayId);
    if (!e) return;
    this.remove(relayId);
    this.listener?.expired(e.record);
  }
}
