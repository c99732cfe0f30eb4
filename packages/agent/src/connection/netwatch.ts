/**
 * Network change detection: polls os.networkInterfaces() and reports when the set of non-internal
 * addresses changes (a new Wi-Fi, a DHCP lease, a VPN coming up). A change resets the reconnect
 * backoff and refreshes the inventory.
 */
import os from 'node:os';

export type InterfacesReader = () => ReturnType<typeof os.networkInterfaces>;

/** A stable text of the external addresses: sorted `name address` lines. */
export function addressSignature(read: InterfacesReader = os.networkInterfaces): string {
  const lines: string[] = [];
  for (const [name, addrs] of Object.entries(read())) {
    for (const a of addrs ?? []) if (!a.internal) lines.push(`${name} ${a.address}`);
  }
  return lines.sort().join('\n');
}

export class NetWatch {
  private timer: NodeJS.Timeout | undefined;
  private last: string;

  constructor(
    private readonly intervalMs: number,
    private readonly onChange: () => void,
    private readonly read: InterfacesReader = os.networkInterfaces,
  ) {
    this.last = addressSignature(read);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** Compares now; returns true (and calls onChange) when the addresses changed. */
  check(): boolean {
    let now: string;
    try {
      now = addressSignature(this.read);
    } catch {
      return false;
    }
    if (now === this.last) return false;
    this.last = now;
    this.onChange();
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
