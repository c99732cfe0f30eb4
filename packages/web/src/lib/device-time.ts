/** Cheap time formatting for long lists (one shared formatter; `toLocaleString` builds one per call). */
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export const formatTime = (ms: number): string => full.format(ms);

/** "3 min ago", "5 h ago", "2 d ago" (or "just now"). */
export function agoText(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
