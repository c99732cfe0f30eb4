/** Routes. Logged-out visitors see setup (first start) or login; everything else needs a session. */
import { lazy } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './components/Layout.js';
import { Spinner, Notice } from './components/ui.js';
import { useSession } from './lib/session.js';
import { SetupPage } from './pages/SetupPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { DevicesPage } from './pages/DevicesPage.js';
const DevicePage = lazy(() => import('./pages/DevicePage.js').then((m) => ({ default: m.DevicePage })));
const GroupsPage = lazy(() => import('./pages/GroupsPage.js').then((m) => ({ default: m.GroupsPage })));
const GroupPage = lazy(() => import('./pages/GroupPage.js').then((m) => ({ default: m.GroupPage })));
const UsersPage = lazy(() => import('./pages/UsersPage.js').then((m) => ({ default: m.UsersPage })));
const AccountPage = lazy(() => import('./pages/AccountPage.js').then((m) => ({ default: m.AccountPage })));
const EventsPage = lazy(() => import('./pages/EventsPage.js').then((m) => ({ default: m.EventsPage })));
const RunPage = lazy(() => import('./pages/RunPage.js').then((m) => ({ default: m.RunPage })));

export function App() {
  const { loading, session, server, problem } = useSession();
  const location = useLocation();
  if (loading) return <Spinner />;
  if (location.pathname === '/setup') return <SetupPage />;
  if (!session) {
    if (server?.setupRequired) return <SetupPage />;
    return (
      <>
        {problem === 'network_error' && <Notice>The server cannot be reached.</Notice>}
        <LoginPage />
      </>
    );
  }
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<DevicesPage />} />
        <Route path="devices/:id/*" element={<DevicePage />} />
        <Route path="groups" element={<GroupsPage />} />
        <Route path="groups/:id" element={<GroupPage />} />
        <Route path="users" element={<UsersPage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="events" element={<EventsPage />} />
        <Route path="run" element={<RunPage />} />
        <Route path="login" element={<Navigate to="/" replace />} />
        <Route path="*" element={<Notice>There is no such page.</Notice>} />
      </Route>
    </Routes>
  );
}
