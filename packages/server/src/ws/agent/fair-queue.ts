/**
 * A queue served round robin across keys (source networks), FIFO within a key: one source with
 * thousands of waiting connections delays another source's connection by at most one turn, where a
 * global FIFO made it wait behind all of them. `shift` may skip keys (a network holding its share of
 * in-progress slots); a key whose queue empties leaves the rotation.
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

  /** Empties the queue, returning what was in it. */
  drain(): T[] {
    const all = [...this.byKey.values()].flat();
    this.byKey.clear();
    this.count = 0;
    return all;
  }
}
