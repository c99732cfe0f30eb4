/** Placeholder until the page is written. */
export function DevicePage() {
  return <p>DevicePage</p>;
}
