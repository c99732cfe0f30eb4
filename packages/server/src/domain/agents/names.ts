/**
 * Display text from agent-supplied strings. The protocol schemas already bound their length and
 * refuse C0 control characters; here invisible and layout-changing characters (other control and
 * format characters such as bidi overrides, line/paragraph separators) are removed too, so a
 * hostile hostname cannot disguise itself in a device list. The result is data, never markup.
 */

/** Characters that are not visible text: Unicode categories Cc, Cf, Co, Cn, Cs, Zl and Zp. */
const INVISIBLE = /[\p{C}\p{Zl}\p{Zp}]/gu;

/** Visible text: invisible characters removed, runs of whitespace as one space, at most `max` UTF-16 units. */
export function displayText(raw: string, max: number): string {
  const clean = raw.replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
  if (clean.length <= max) return clean;
  // Do not cut a surrogate pair in half.
  const cut = clean.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1).trimEnd() : cut.trimEnd();
}

/** Longest device name the API carries (`Device.name`). */
export const DEVICE_NAME_MAX = 255;
/** Longest OS text the API carries (`Device.os`). */
export const DEVICE_OS_MAX = 256;

/** The name of a newly enrolled device: its reported hostname, or `device-<id prefix>` when empty. */
export function deviceNameFrom(hostname: string | undefined, deviceId: string): string {
  return displayText(hostname ?? '', DEVICE_NAME_MAX) || `device-${deviceId.slice(0, 12)}`;
}

/** `${os.name} ${os.version}` as display text, or null when both are empty. */
export function osText(os: { name: string; version: string }): string | null {
  return displayText(`${os.name} ${os.version}`, DEVICE_OS_MAX) || null;
}
