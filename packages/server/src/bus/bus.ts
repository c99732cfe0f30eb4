/**
 * The bus: the seam between worker processes (and later, machines). Event fan-out and
 * "which agent is connected where" go through it, never through a process-global map alone.
 * The in-process implementation serves one process; PostgreSQL LISTEN/NOTIFY or Redis span more.
 */
export type BusHandler = (message: unknown) => void;

export interface Bus {
  /** This process's id, as recorded in presence rows. */
  readonly workerId: string;
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, handler: BusHandler): () => void;
  close(): Promise<void>;
}

export class InProcessBus implements Bus {
  private readonly handlers = new Map<string, Set<BusHandler>>();
  /** `onError` receives what a subscriber threw; one failing subscriber never stops the others. */
  constructor(
    readonly workerId: string,
    private readonly onError: (err: unknown, channel: string) => void = (err) => process.emitWarning(String(err)),
  ) {}

  async publish(channel: string, message: unknown): Promise<void> {
    // Deliver asynchronously, as a networked bus would, so callers never depend on re-entrancy.
    const set = this.handlers.get(channel);
    if (!set) return;
    queueMicrotask(() => {
      for (const h of [...set]) {
        try {
          h(message);
        } catch (err) {
          this.onError(err, channel);
        }
      }
    });
  }

  subscribe(channel: string, handler: BusHandler): () => void {
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
