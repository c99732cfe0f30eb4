/** Makes device-supplied text fit the protocol's bounds: control characters dropped, length cut. */
export function text(s: unknown, max: number): string {
  // eslint-disable-next-line no-control-regex
  return String(s ?? '').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, max);
}
