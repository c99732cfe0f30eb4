/** Placeholder until the page is written. */
export function RunPage() {
  return <p>RunPage</p>;
}
