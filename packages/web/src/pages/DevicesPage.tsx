/** Placeholder until the page is written. */
export function DevicesPage() {
  return <p>DevicesPage</p>;
}
