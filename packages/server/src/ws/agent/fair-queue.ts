/**
 * A queue served round robin across keys (source networks), FIFO within a key: one source with
 * thousands of waiting connections delays another source's connection by at most one turn, where a
 * global FIFO made it wait behind all of them. `shift` may skip keys (a network holding its share of
 * in-progress slots); a key whose queue empties leaves the rotation. When full, a newcomer of a
 * short queue displaces the newest of the longest (`evictFor`).
 */
export class FairQueue<T> {
  /** Insertion order is the rotation: a served key is moved to the end. */
  private readonly byKey = new Map<string, T[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(key: string, item: T): void {
    const q = this.byKey.get(key);
    if (q) q.push(item);
    else this.byKey.set(key, [item]);
    this.count++;
  }

  /** The oldest item of the first key in the rotation that `skip` does not exclude. */
  shift(skip: (key: string) => boolean = () => false): T | undefined {
    for (const [key, q] of this.byKey) {
      if (skip(key)) continue;
      const item = q.shift() as T;
      this.count--;
      this.byKey.delete(key);
      if (q.length > 0) this.byKey.set(key, q);
      return item;
    }
    return undefined;
  }

  /** Takes `item` out (a connection closed while waiting), so dead entries never pile up. */
  remove(key: string, item: T): void {
    const q = this.byKey.get(key);
    const i = q ? q.indexOf(item) : -1;
    if (!q || i < 0) return;
    q.splice(i, 1);
    this.count--;
    if (q.length === 0) this.byKey.delete(key);
  }

  /**
   * For a newcomer of `key` when the queue is full: takes the newest item of the longest queue if
   * that is longer than `key`'s would be — sources with many waiting make room for one with few.
   */
  evictFor(key: string): T | undefined {
    let longest: [string, T[]] | undefined;
    for (const e of this.byKey) if (!longest || e[1].length > longest[1].length) longest = e;
    if (!longest || longest[1].length <= (this.byKey.get(key)?.length ?? 0) + 1) return undefined;
    const item = longest[1].pop() as T;
    this.count--;
    if (longest[1].length === 0) this.byKey.delete(longest[0]);
    return item;
  }

  /** Empties the queue, returning what was in it. */
  drain(): T[] {
    const all = [...this.byKey.values()].flat();
    this.byKey.clear();
    this.count = 0;
    return all;
  }
}
