/** Placeholder until the page is written. */
export function EventsPage() {
  return <p>EventsPage</p>;
}
