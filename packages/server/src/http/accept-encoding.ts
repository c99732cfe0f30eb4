/** Accept-Encoding negotiation, shared by the asset routes and large JSON answers. */

/** The content codings an Accept-Encoding header accepts (q > 0), lowercase. */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [name = '', ...params] = part.trim().split(';');
    const q = params.map((x) => /^\s*q=([0-9.]+)\s*$/.exec(x)?.[1]).find((x) => x !== undefined);
    if (q === undefined || Number(q) > 0) accepted.add(name.trim());
  }
  return accepted;
}
