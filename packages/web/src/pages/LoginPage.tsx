/** Placeholder until the page is written. */
export function LoginPage() {
  return <p>LoginPage</p>;
}
