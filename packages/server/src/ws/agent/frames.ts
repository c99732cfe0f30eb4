/** Raw WebSocket data → JSON, with the checks every agent frame goes through first. */
import type { RawData } from 'ws';
import { JsonDepthError, parseBoundedJson } from '@meshwork/protocol';

export function rawBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export type Decoded = { ok: true; json: unknown; type: string | null } | { ok: false; message: string };

/** Parses a text frame as JSON and peeks at its `type` (the schema check comes after). */
export function decodeFrame(bytes: Buffer): Decoded {
  let json: unknown;
  try {
    json = parseBoundedJson(bytes.toString('utf8'));
  } catch (e) {
    return { ok: false, message: e instanceof JsonDepthError ? e.message : 'The frame is not JSON.' };
  }
  const type = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>)['type'] : undefined;
  return { ok: true, json, type: typeof type === 'string' ? type : null };
}

/** The first schema issue as a short, safe text (no echo of the offending value). */
export function issueText(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  const first = issues[0];
  if (!first) return 'invalid';
  const path = first.path.map((p) => (typeof p === 'symbol' ? '?' : String(p))).join('.').slice(0, 80);
  return `${path ? `${path}: ` : ''}${first.message}`.slice(0, 200);
}
