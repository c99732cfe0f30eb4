/** Random identifiers issued by the server. Only CSPRNG output; never derived from time or counters. */
import { randomBytes } from 'node:crypto';

/** An opaque record id (user groups, events, tokens): 16 url-safe characters, 96 bits. */
export const newRecordId = (): string => randomBytes(12).toString('base64url');

/** A device-group id: 48 random bytes as 96 lowercase hex characters (the enrolment record's id). */
export const newGroupId = (): string => randomBytes(48).toString('hex');

/** Epoch milliseconds to the wire's ISO-8601 form. */
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
