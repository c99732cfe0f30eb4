/**
 * Per-source counts of admission (tls-admission.ts): connections *pending* per address and per
 * network (accepted and not yet through admission — waiting for their ClientHello, queued, in TLS,
 * or an agent not yet welcomed), each capped; and *slots* per network (in-progress slots held:
 * TLS handshakes and agents past TLS), which the release order uses so that one network never
 * holds more than its share of them. Owned by one gate; nothing is shared across gates.
 */
import type { Source } from './source.js';

export type SourceCap = 'address_cap' | 'network_cap';

export class SourceCounts {
  private readonly byAddress = new Map<string, number>();
  private readonly byNetwork = new Map<string, number>();
  private readonly slotsByNetwork = new Map<string, number>();

  constructor(
    private readonly maxPerAddress: number,
    private readonly maxPerNetwork: number,
  ) {}

  /** Counts one more pending connection of `s`, or says which cap it would pass. */
  admit(s: Source): SourceCap | null {
    const a = this.byAddress.get(s.address) ?? 0;
    if (a >= this.maxPerAddress) return 'address_cap';
    const n = this.byNetwork.get(s.network) ?? 0;
    if (n >= this.maxPerNetwork) return 'network_cap';
    this.byAddress.set(s.address, a + 1);
    this.byNetwork.set(s.network, n + 1);
    return null;
  }

  leave(s: Source): void {
    dec(this.byAddress, s.address);
    dec(this.byNetwork, s.network);
  }

  takeSlot(network: string): void {
    this.slotsByNetwork.set(network, (this.slotsByNetwork.get(network) ?? 0) + 1);
  }

  freeSlot(network: string): void {
    dec(this.slotsByNetwork, network);
  }

  slots(network: string): number {
    return this.slotsByNetwork.get(network) ?? 0;
  }
}

function dec(m: Map<string, number>, k: string): void {
  const v = (m.get(k) ?? 0) - 1;
  if (v > 0) m.set(k, v);
  else m.delete(k);
}
