/** User administration: accounts (site right manageUsers) and user groups (site right manageUserGroups). */
import { useSession } from '../lib/session.js';
import { problemText } from '../lib/admin-errors.js';
import { useUsers } from '../lib/admin-queries.js';
import { Notice, Spinner } from '../components/ui.js';
import { CreateUserForm } from '../components/admin/CreateUserForm.js';
import { Section } from '../components/admin/Section.js';
import { UserGroupsPanel } from '../components/admin/UserGroupsPanel.js';
import { UsersTable } from '../components/admin/UsersTable.js';

export function UsersPage() {
  const { hasSiteRight } = useSession();
  const manageUsers = hasSiteRight('manageUsers');
  const manageGroups = hasSiteRight('manageUserGroups');
  const users = useUsers(manageUsers || manageGroups);

  if (!manageUsers && !manageGroups) {
    return <Notice>You need the “Manage users” site right to see this page.</Notice>;
  }
  return (
    <div className="admin-page">
      <h1>Users</h1>
      {manageUsers && (
        <Section title="Accounts">
          {users.isPending && <Spinner />}
          {users.error && <Notice>{problemText(users.error)}</Notice>}
          {users.data && <UsersTable users={users.data} />}
        </Section>
      )}
      {manageUsers && <CreateUserForm />}
      {manageGroups && <UserGroupsPanel users={users.data ?? []} />}
    </div>
  );
}
