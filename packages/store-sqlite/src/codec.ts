/** Mapping between records (camelCase fields) and rows (snake_case columns), and the SQL it implies. */
import { StoreError } from '@meshwork/store';
import type { SqlValue } from './db.js';

/** Plain values pass through; booleans are stored 0/1; JSON fields as TEXT. */
type Codec = 'plain' | 'bool' | 'json';
/** Every field of R, with its column and codec. */
export type Columns<R> = { readonly [K in keyof R]-?: readonly [column: string, codec: Codec] };

export function encodeJson(value: unknown, what = 'value'): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) throw new StoreError('invalid', `${what} is not JSON-serialisable`);
  return text;
}

function encode(field: string, codec: Codec, value: unknown): SqlValue {
  if (value === undefined) throw new StoreError('invalid', `field ${field} is missing`);
  if (codec === 'bool') return value ? 1 : 0;
  if (codec === 'json') return encodeJson(value, `field ${field}`);
  return value as SqlValue;
}

const fields = <R>(cols: Columns<R>): Array<keyof R & string> => Object.keys(cols) as Array<keyof R & string>;

/** Named parameters (by column) for a whole record. */
export function toParams<R>(cols: Columns<R>, record: R): Record<string, SqlValue> {
  const params: Record<string, SqlValue> = {};
  for (const f of fields(cols)) {
    const [column, codec] = cols[f];
    params[column] = encode(f, codec, record[f]);
  }
  return params;
}

export function fromRow<R>(cols: Columns<R>, row: unknown): R {
  const src = row as Record<string, SqlValue>;
  const out: Record<string, unknown> = {};
  for (const f of fields(cols)) {
    const [column, codec] = cols[f];
    const v = src[column] ?? null;
    out[f] = codec === 'bool' ? v === 1 : codec === 'json' ? JSON.parse(String(v)) : v;
  }
  return out as R;
}

export const fromRows = <R>(cols: Columns<R>, rows: unknown[]): R[] => rows.map((r) => fromRow(cols, r));
export const fromRowOrNull = <R>(cols: Columns<R>, row: unknown): R | null =>
  row === undefined ? null : fromRow(cols, row);

/** `INSERT INTO table (...) VALUES (@...)` for every column, to use with toParams. */
export function insertSql<R>(table: string, cols: Columns<R>): string {
  const columns = fields(cols).map((f) => cols[f][0]);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`;
}

/** `UPDATE table SET ... WHERE id = @where_id` for the allowed fields present in the patch,
 *  or null when the patch sets nothing. */
export function updateSql<R>(
  table: string, cols: Columns<R>, allowed: ReadonlyArray<keyof R & string>, id: string, patch: Partial<R>,
): { sql: string; params: Record<string, SqlValue> } | null {
  const params: Record<string, SqlValue> = { where_id: id };
  const sets: string[] = [];
  for (const f of allowed) {
    if (patch[f] === undefined) continue;
    const [column, codec] = cols[f];
    sets.push(`${column} = @${column}`);
    params[column] = encode(f, codec, patch[f]);
  }
  if (sets.length === 0) return null;
  return { sql: `UPDATE ${table} SET ${sets.join(', ')} WHERE id = @where_id`, params };
}
