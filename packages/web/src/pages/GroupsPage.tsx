/** Placeholder until the page is written. */
export function GroupsPage() {
  return <p>GroupsPage</p>;
}
