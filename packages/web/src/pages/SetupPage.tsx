/** Placeholder until the page is written. */
export function SetupPage() {
  return <p>SetupPage</p>;
}
