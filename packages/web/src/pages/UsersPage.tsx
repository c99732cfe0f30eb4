/** Placeholder until the page is written. */
export function UsersPage() {
  return <p>UsersPage</p>;
}
