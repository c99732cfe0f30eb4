/**
 * Sends a report in acknowledged parts (protocol session/parts.ts): part n + 1 only after the
 * server acknowledged part n, so the server never receives more than one small frame of it at once
 * (Node's TLS layer keeps, for a socket's whole life, buffers as large as the largest burst that
 * arrived on it). One report at a time. An acknowledgement that does not come within the timeout
 * abandons the report and `onTimeout` ends the session; the next session's `known` decides again.
 */
import { splitReport, type AgentReportPart, type ServerReportAck } from '@meshwork/protocol/session/index';

interface Upload {
  id: number;
  seq: number;
  parts: string[];
  timer: NodeJS.Timeout | undefined;
  /** Resolves the send: the number of parts once all are acknowledged, 0 when abandoned. */
  done: (parts: number) => void;
}

export interface PartSenderOptions {
  write(frame: AgentReportPart): void;
  ackTimeoutMs: number;
  onTimeout(): void;
}

export class PartSender {
  private current: Upload | undefined;
  private lastId = 0;

  constructor(private readonly o: PartSenderOptions) {}

  /** A report is being sent. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Sends `text` in parts of at most `partBytes`; resolves with the part count, or 0 (abandoned, or busy). */
  send(text: string, partBytes: number): Promise<number> {
    if (this.current) return Promise.resolve(0);
    this.lastId = (this.lastId % (2 ** 31 - 1)) + 1;
    const parts = splitReport(text, partBytes);
    return new Promise((done) => {
      const u: Upload = { id: this.lastId, seq: 0, parts, timer: undefined, done };
      this.current = u;
      this.next(u);
    });
  }

  /** The server acknowledged a part; false when it is not the one awaited (a protocol violation). */
  ack(a: ServerReportAck): boolean {
    const u = this.current;
    if (!u || a.id !== u.id || a.seq !== u.seq) return false;
    clearTimeout(u.timer);
    u.seq++;
    if (u.seq < u.parts.length) {
      this.next(u);
      return true;
    }
    this.current = undefined;
    u.done(u.parts.length);
    return true;
  }

  /** The session ended (or gave up): the report in flight, if any, is abandoned. */
  abandon(): void {
    const u = this.current;
    if (!u) return;
    this.current = undefined;
    clearTimeout(u.timer);
    u.done(0);
  }

  private next(u: Upload): void {
    this.o.write({ type: 'reportPart', id: u.id, seq: u.seq, parts: u.parts.length, data: u.parts[u.seq] as string });
    u.timer = setTimeout(() => {
      this.abandon();
      this.o.onTimeout();
    }, this.o.ackTimeoutMs);
  }
}
