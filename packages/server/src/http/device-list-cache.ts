/**
 * The whole `devices.list` answer of a visibility scope and its first screen (`devices.listHead`),
 * checked and serialised (and gzipped on first use), kept until the store's `devicesVersion()`
 * changes. A 10,000-device answer costs the server ~150 ms of CPU to build (query, views, check,
 * JSON) and ~30 ms to gzip; a kept one costs nothing but the send.
 *
 * Correctness rests on two rules:
 * - **The version is read before the data.** A write committed after that read changes the
 *   version, so the next request misses; a write before it is in the data. `devicesVersion()` is
 *   the store's, so it moves for writes of every worker process and of the CLI alike — the bus
 *   plays no part, and nothing kept outlives a change (it may be dropped early: any write to the
 *   database counts).
 * - **The key is the exact set of device groups the caller may view** (`scopeKey`), computed for
 *   every request from the rights as they are now. The answer depends on nothing else, so two
 *   callers share an entry only when they see exactly the same devices, and a change of rights
 *   changes the caller's key rather than the entry.
 *
 * One cache per Store instance (a worker's connection; the version is per connection).
 */
import type { Device, DeviceListHead } from '@meshwork/protocol';
import type { Store } from '@meshwork/store';
import type { PreparedJson } from './prepared-json.js';

/** The answers of one scope, built together from one read. */
export interface DeviceLists {
  all: PreparedJson<Device[]>;
  head: PreparedJson<DeviceListHead>;
}

export interface CacheLimits {
  entries: number;
  /** Total JSON bytes kept (gzipped copies come on top, ~1/5 of that). */
  bytes: number;
}
/** ~12 lists of 10,000 devices (3.9 MB of JSON each). */
export const DEVICE_LIST_CACHE_LIMITS: CacheLimits = { entries: 64, bytes: 48 * 1024 * 1024 };

interface Entry {
  version: string;
  lists: Promise<DeviceLists>;
  bytes: number;
}

/** The cache key of a scope: every visible group (`undefined`: all, a site administrator). */
export function scopeKey(groupIds: readonly string[] | undefined): string {
  return groupIds === undefined ? '*' : [...groupIds].sort().join(',');
}

export class DeviceListCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limits: CacheLimits = DEVICE_LIST_CACHE_LIMITS) {}

  /**
   * The lists of `scope` at `version` (read from the store before this call and before `build`
   * reads anything): the kept ones, or `build()`'s, then kept. Concurrent misses share one build.
   */
  lists(scope: string, version: string, build: () => Promise<DeviceLists>): Promise<DeviceLists> {
    for (const [key, e] of this.entries) if (e.version !== version) this.entries.delete(key); // stale
    const kept = this.entries.get(scope);
    if (kept) {
      this.entries.delete(scope); // most recently used last
      this.entries.set(scope, kept);
      return kept.lists;
    }
    const entry: Entry = { version, lists: build(), bytes: 0 };
    this.entries.set(scope, entry);
    entry.lists.then(
      (l) => {
        entry.bytes = l.all.json.length + l.head.json.length;
        this.trim();
      },
      () => {
        if (this.entries.get(scope) === entry) this.entries.delete(scope);
      },
    );
    this.trim();
    return entry.lists;
  }

  /** How many answers are kept (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Drops the least recently used entries beyond the limits (never the newest one). */
  private trim(): void {
    let bytes = 0;
    for (const e of this.entries.values()) bytes += e.bytes;
    for (const [key, e] of this.entries) {
      if (this.entries.size <= 1 || (this.entries.size <= this.limits.entries && bytes <= this.limits.bytes)) return;
      this.entries.delete(key);
      bytes -= e.bytes;
    }
  }
}

const caches = new WeakMap<Store, DeviceListCache>();

/** The cache of this store connection. */
export function deviceListCache(store: Store): DeviceListCache {
  let c = caches.get(store);
  if (!c) {
    c = new DeviceListCache();
    caches.set(store, c);
  }
  return c;
}
