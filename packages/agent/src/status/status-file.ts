/**
 * `status.json`: the running agent's connection state, for `meshwork-agent status` — connected,
 * serverUrl, since (when `connected` last changed), lastError. Written atomically (0600) by a
 * coalescing writer: at most one write in flight and one pending, whatever the update rate.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../identity/state.js';

export const STATUS_FILE = 'status.json';

export const ConnectionStatus = z.strictObject({
  pid: z.number().int().positive(),
  connected: z.boolean(),
  serverUrl: z.string().max(2048).nullable(),
  since: z.string().max(64),
  lastError: z.string().max(512).nullable(),
  updatedAt: z.string().max(64),
});
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

export async function readStatusFile(stateDir: string): Promise<ConnectionStatus | undefined> {
  try {
    const r = ConnectionStatus.safeParse(JSON.parse(await readFile(join(stateDir, STATUS_FILE), 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export class StatusWriter {
  private state: ConnectionStatus;
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly stateDir: string,
    private readonly onError: (e: Error) => void = () => undefined,
  ) {
    const now = new Date().toISOString();
    this.state = { pid: process.pid, connected: false, serverUrl: null, since: now, lastError: null, updatedAt: now };
  }

  get current(): ConnectionStatus {
    return this.state;
  }

  update(patch: Partial<Pick<ConnectionStatus, 'connected' | 'serverUrl' | 'lastError'>>): void {
    const now = new Date().toISOString();
    const since = patch.connected !== undefined && patch.connected !== this.state.connected ? now : this.state.since;
    this.state = { ...this.state, ...patch, since, updatedAt: now };
    this.dirty = true;
    this.writing ??= this.drain();
  }

  /** Writes waiting (0 or 1) and in flight (0 or 1). */
  queued(): number {
    return (this.dirty ? 1 : 0) + (this.writing ? 1 : 0);
  }

  /** Resolves when the latest update is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        try {
          await writeFileAtomic(join(this.stateDir, STATUS_FILE), JSON.stringify(this.state, null, 2) + '\n');
        } catch (e) {
          this.onError(e as Error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
