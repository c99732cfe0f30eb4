/** The frame around every logged-in page: navigation, live-connection state, account menu. */
import { Suspense } from 'react';
import { NavLink, Outlet } from 'react-router';
import { useSession } from '../lib/session.js';
import { useLive } from '../lib/live.js';
import { Button, Spinner } from './ui.js';

export function Layout() {
  const { session, logout, hasSiteRight } = useSession();
  const { status } = useLive();
  return (
    <div className="app">
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <span className="brand">Meshwork</span>
        <nav aria-label="Main">
          <NavLink to="/" end>Devices</NavLink>
          <NavLink to="/groups">Groups</NavLink>
          <NavLink to="/run">Run</NavLink>
          <NavLink to="/events">Events</NavLink>
          {(hasSiteRight('manageUsers') || hasSiteRight('manageUserGroups')) && <NavLink to="/users">Users</NavLink>}
          <NavLink to="/account">Account</NavLink>
        </nav>
        <span className={`live live-${status}`} title="Live updates" data-testid="live-status">
          {status === 'open' ? 'live' : status === 'off' ? '' : 'reconnecting…'}
        </span>
        <span className="who">{session?.user.name}</span>
        <Button variant="quiet" onClick={() => void logout()}>Log out</Button>
      </header>
      <main id="main" tabIndex={-1}>
        {/* Pages other than the device list load on first visit (smaller first download). */}
        <Suspense fallback={<Spinner />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
