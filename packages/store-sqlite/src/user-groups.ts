/** User groups and their members. Memberships go with either side by ON DELETE CASCADE. */
import type { Store, UserGroupRecord } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRowOrNull, fromRows, insertSql, toParams, updateSql } from './codec.js';

const USER_GROUP: Columns<UserGroupRecord> = {
  id: ['id', 'plain'],
  name: ['name', 'plain'],
  description: ['description', 'plain'],
  createdAt: ['created_at', 'plain'],
};

export type UserGroupMethods = Pick<Store,
  | 'createUserGroup' | 'getUserGroup' | 'listUserGroups' | 'updateUserGroup' | 'deleteUserGroup'
  | 'addUserGroupMember' | 'removeUserGroupMember' | 'listUserGroupMembers' | 'listUserGroupsOfUser'>;

export function userGroupMethods(db: Db): UserGroupMethods {
  return {
    async createUserGroup(g) {
      db.run(insertSql('user_groups', USER_GROUP), toParams(USER_GROUP, g));
    },
    async getUserGroup(id) {
      return fromRowOrNull(USER_GROUP, db.get('SELECT * FROM user_groups WHERE id = ?', id));
    },
    async listUserGroups() {
      return fromRows(USER_GROUP, db.all('SELECT * FROM user_groups ORDER BY name COLLATE NOCASE, id'));
    },
    async updateUserGroup(id, patch) {
      const update = updateSql('user_groups', USER_GROUP, ['name', 'description'], id, patch);
      if (!update) return db.get('SELECT 1 FROM user_groups WHERE id = ?', id) !== undefined;
      return db.run(update.sql, update.params).changes > 0;
    },
    async deleteUserGroup(id) {
      return db.tx(() => {
        db.run("DELETE FROM rights_links WHERE subject_id = ? AND subject_kind = 'userGroup'", id);
        return db.run('DELETE FROM user_groups WHERE id = ?', id).changes > 0;
      });
    },
    async addUserGroupMember(groupId, userId) {
      db.run('INSERT INTO user_group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING', groupId, userId);
    },
    async removeUserGroupMember(groupId, userId) {
      return db.run('DELETE FROM user_group_members WHERE group_id = ? AND user_id = ?', groupId, userId).changes > 0;
    },
    async listUserGroupMembers(groupId) {
      return db.all<{ user_id: string }>('SELECT user_id FROM user_group_members WHERE group_id = ?', groupId)
        .map((r) => r.user_id);
    },
    async listUserGroupsOfUser(userId) {
      return db.all<{ group_id: string }>('SELECT group_id FROM user_group_members WHERE user_id = ?', userId)
        .map((r) => r.group_id);
    },
  };
}
