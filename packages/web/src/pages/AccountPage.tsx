/** Placeholder until the page is written. */
export function AccountPage() {
  return <p>AccountPage</p>;
}
