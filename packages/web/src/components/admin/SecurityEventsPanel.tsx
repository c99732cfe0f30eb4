/**
 * Account: recent security events of this account — tokens created or revoked, passkeys added or
 * removed, second factors and the password changed, logins slowed down — so that an unexpected
 * one stands out.
 */
import { useEffect } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api.js';
import { problemText } from '../../lib/admin-errors.js';
import { useLive } from '../../lib/live.js';
import { isSecurityEvent, SECURITY_EVENT_TYPES } from '../../lib/security-events.js';
import { Notice } from '../ui.js';
import { Section } from './Section.js';

export function SecurityEventsPanel({ userId }: { userId: string }) {
  const qc = useQueryClient();
  const { subscribe } = useLive();
  const queryKey = ['securityEvents', userId];
  // A new security event (from this page or anywhere else) refreshes the list at once.
  useEffect(() => subscribe((e) => {
    if (isSecurityEvent(e.type)) void qc.invalidateQueries({ queryKey: ['securityEvents'] });
  }), [subscribe, qc]);
  const q = useQuery({
    queryKey,
    queryFn: async () => {
      const lists = await Promise.all(SECURITY_EVENT_TYPES.map((type) => api.events.list({ type, limit: 20 })));
      return lists.flat().filter((e) => e.actorId === userId || (e.data as { userId?: unknown }).userId === userId)
        .sort((a, b) => (a.time < b.time ? 1 : -1)).slice(0, 20);
    },
  });
  return (
    <Section title="Security events">
      <p className="muted">Tokens, passkeys, two-factor and password changes of this account. If you do not recognise one, change your password and tick both boxes below it.</p>
      {q.error && <Notice>{problemText(q.error)}</Notice>}
      {q.data && q.data.length === 0 && <p>None yet.</p>}
      {q.data && q.data.length > 0 && (
        <ul className="security-events" data-testid="security-events">
          {q.data.map((e) => (
            <li key={e.id}>
              <time dateTime={e.time}>{new Date(e.time).toLocaleString()}</time> <code>{e.type}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
