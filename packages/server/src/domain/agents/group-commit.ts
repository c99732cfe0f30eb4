/**
 * Group commit for the agent endpoint's store writes. Handshakes and disconnects each make a few
 * small writes (presence, lastSeen, timeline, event); with SQLite in synchronous=FULL every commit
 * is an fsync that blocks the event loop, so writing them one by one caps a reconnect storm at a
 * few hundred agents per second. Writes submitted within `delayMs` of each other go to the store
 * in one `applyWrites` call (one transaction, one commit); each submitter's promise resolves with
 * its own results only after that commit, so nothing is acknowledged (no `welcome`, no event on
 * the bus) before it is durable.
 *
 * One commit at a time: while one is in flight (waiting for the write lock — other worker
 * processes write the same file — or for its fsync), new writes gather into the next batch, which
 * goes as soon as the first is done. So the slower the store, the larger the batches and the fewer
 * the commits, instead of a queue of small commits each waiting for the lock.
 */
import type { Store, StoreWrite, StoreWriteResult } from '@meshwork/store';

/** Submits writes as one unit (their `requires` indexes are relative to the array). */
export type WriteFn = (writes: StoreWrite[]) => Promise<StoreWriteResult[]>;

interface Waiting {
  writes: StoreWrite[];
  resolve(r: StoreWriteResult[]): void;
  reject(e: unknown): void;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<Store, 'applyWrites'>,
    private readonly delayMs = 10,
    private readonly maxWrites = 2_000,
  ) {}

  readonly submit: WriteFn = (writes) =>
    new Promise((resolve, reject) => {
      this.waiting.push({ writes, resolve, reject });
      this.count += writes.length;
      if (this.inFlight) return; // goes with the next batch, when the one in flight is done
      if (this.count >= this.maxWrites) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.delayMs);
    });

  /** Writes whatever is waiting now, after the commit in flight (also used at shutdown). */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    const batch = this.take();
    if (batch.length === 0) return;
    const done = this.commit(batch).finally(() => {
      this.inFlight = null;
      // What gathered meanwhile goes now: it has waited at least as long as the window.
      if (this.waiting.length > 0) this.flushNow();
    });
    this.inFlight = done;
    await done;
  }

  private flushNow(): void {
    void this.flush();
  }

  /** The next batch: whole submissions, up to maxWrites writes (at least one submission). */
  private take(): Waiting[] {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let n = 0;
    let writes = 0;
    while (n < this.waiting.length && (n === 0 || writes + (this.waiting[n]?.writes.length ?? 0) <= this.maxWrites)) {
      writes += this.waiting[n]?.writes.length ?? 0;
      n++;
    }
    const batch = this.waiting.slice(0, n);
    this.waiting = this.waiting.slice(n);
    this.count -= writes;
    return batch;
  }

  private async commit(batch: Waiting[]): Promise<void> {
    const all: StoreWrite[] = [];
    const starts: number[] = [];
    for (const w of batch) {
      const offset = all.length;
      starts.push(offset);
      for (const write of w.writes) all.push(write.requires === undefined ? write : { ...write, requires: write.requires + offset });
    }
    let results: StoreWriteResult[];
    try {
      results = await this.store.applyWrites(all);
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const from = starts[i] ?? 0;
      w.resolve(results.slice(from, from + w.writes.length));
    });
  }
}

/** Writes straight to the store, one call per unit (no batching): for code paths outside the endpoint. */
export const directWrites = (store: Pick<Store, 'applyWrites'>): WriteFn => (writes) => store.applyWrites(writes);
