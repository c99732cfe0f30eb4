/** IP address text → the 4 or 16 bytes an iPAddress subjectAltName carries (no node:net here). */

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function v4(text: string): number[] | undefined {
  return V4.test(text) ? text.split('.').map(Number) : undefined;
}

/** 8 groups of 16 bits, or undefined; `::` compression and a trailing dotted IPv4 are allowed. */
function v6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string, last: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const words = part.split(':');
    for (let i = 0; i < words.length; i++) {
      const w = words[i] ?? '';
      const dotted = last && i === words.length - 1 ? v4(w) : undefined;
      if (dotted) out.push((dotted[0]! << 8) | dotted[1]!, (dotted[2]! << 8) | dotted[3]!);
      else if (/^[0-9a-fA-F]{1,4}$/.test(w)) out.push(parseInt(w, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] ?? '', true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** The address's bytes (4 for IPv4, 16 for IPv6), or undefined when `text` is not an IP address. */
export function ipToBytes(text: string): Uint8Array | undefined {
  const four = v4(text);
  if (four) return Uint8Array.from(four);
  const groups = text.includes(':') ? v6(text) : undefined;
  if (!groups) return undefined;
  return Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
}
