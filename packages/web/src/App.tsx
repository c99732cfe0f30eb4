/** Routes. Logged-out visitors see setup (first start) or login; everything else needs a session. */
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './components/Layout.js';
import { Spinner, Notice } from './components/ui.js';
import { useSession } from './lib/session.js';
import { SetupPage } from './pages/SetupPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { DevicesPage } from './pages/DevicesPage.js';
import { DevicePage } from './pages/DevicePage.js';
import { GroupsPage } from './pages/GroupsPage.js';
import { GroupPage } from './pages/GroupPage.js';
import { UsersPage } from './pages/UsersPage.js';
import { AccountPage } from './pages/AccountPage.js';
import { EventsPage } from './pages/EventsPage.js';
import { RunPage } from './pages/RunPage.js';

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
