/** What each contract case file receives: the store opened for the running test. */
import type { Store, StoreErrorCode } from '../../store.js';
import { StoreError } from '../../store.js';

export interface ContractContext {
  /** The store opened (empty) for the currently running test. */
  readonly store: Store;
}

/** An `assert.rejects` matcher for a StoreError with the given code. */
export function storeError(code: StoreErrorCode): (e: unknown) => boolean {
  return (e: unknown) => {
    if (!(e instanceof StoreError)) throw new Error(`expected StoreError(${code}), got ${String(e)}`);
    if (e.code !== code) throw new Error(`expected StoreError(${code}), got StoreError(${e.code}): ${e.message}`);
    return true;
  };
}

/** Sorts records by id so lists without a defined order can be compared. */
export function byId<T extends { id: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
