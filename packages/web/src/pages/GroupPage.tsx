/** Placeholder until the page is written. */
export function GroupPage() {
  return <p>GroupPage</p>;
}
