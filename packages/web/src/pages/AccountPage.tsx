/** The own account: security events, re-login, password, two-factor authentication, passkeys, API tokens, sessions. */
import { useState } from 'react';
import { useSession } from '../lib/session.js';
import { siteRightsText } from '../lib/admin-rights.js';
import { Ago, Button, Confirm, Notice } from '../components/ui.js';
import { ApiTokensPanel } from '../components/admin/ApiTokensPanel.js';
import { ChangePasswordPanel } from '../components/admin/ChangePasswordPanel.js';
import { PasskeysPanel } from '../components/admin/PasskeysPanel.js';
import { ReauthPanel } from '../components/admin/ReauthPanel.js';
import { SecurityEventsPanel } from '../components/admin/SecurityEventsPanel.js';
import { Section } from '../components/admin/Section.js';
import { TotpPanel } from '../components/admin/TotpPanel.js';

export function AccountPage() {
  const { session, logout } = useSession();
  const [confirmAll, setConfirmAll] = useState(false);
  if (!session) return null;
  const { user } = session;
  const locked = user.siteRights.includes('locked');
  return (
    <div className="admin-page">
      <h1>Account: {user.name}</h1>
      <p className="muted">
        Site rights: {siteRightsText(user.siteRights)}. Last login: <Ago iso={user.lastLoginAt} />. This session ends <time dateTime={session.expiresAt}>{new Date(session.expiresAt).toLocaleString()}</time>.
      </p>
      {locked && <Notice kind="info">This account is locked: an administrator must make changes to it.</Notice>}
      <SecurityEventsPanel userId={user.id} />
      {!locked && <ReauthPanel />}
      <ChangePasswordPanel locked={locked} />
      <TotpPanel locked={locked} />
      <PasskeysPanel locked={locked} />
      <ApiTokensPanel locked={locked} userId={user.id} />
      <Section title="Sessions">
        <p>Log out on every browser and device where this account is logged in, including this one.</p>
        <Button variant="danger" onClick={() => setConfirmAll(true)}>Log out everywhere</Button>
      </Section>
      <Confirm
        open={confirmAll}
        title="Log out everywhere"
        message="End every session of this account, on all browsers and devices? You will need to log in again here too."
        confirmLabel="Log out everywhere"
        onCancel={() => setConfirmAll(false)}
        onConfirm={() => {
          setConfirmAll(false);
          void logout(true);
        }}
      />
    </div>
  );
}
