/** Rights links: (device group, user or user group) → rights mask. */
import { type RightsLinkRecord, type Store, StoreError } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRows, toParams } from './codec.js';

const LINK: Columns<RightsLinkRecord> = {
  groupId: ['group_id', 'plain'],
  subjectId: ['subject_id', 'plain'],
  subjectKind: ['subject_kind', 'plain'],
  rights: ['rights', 'plain'],
};
const subjectTable = (kind: string): string | null =>
  kind === 'user' ? 'users' : kind === 'userGroup' ? 'user_groups' : null;

export type RightsLinkMethods = Pick<Store,
  'setRightsLink' | 'removeRightsLink' | 'listRightsLinksOfGroup' | 'listRightsLinksOfSubjects'>;

export function rightsLinkMethods(db: Db): RightsLinkMethods {
  return {
    async setRightsLink(link) {
      const params = toParams(LINK, link);
      db.tx(() => {
        // The subject has no foreign key (it is one of two tables), so check it under the write lock.
        const table = subjectTable(link.subjectKind);
        if (table === null) throw new StoreError('invalid', `unknown subject kind ${String(link.subjectKind)}`);
        if (db.get(`SELECT 1 FROM ${table} WHERE id = ?`, link.subjectId) === undefined) {
          throw new StoreError('not_found', `${link.subjectKind} ${link.subjectId} does not exist`);
        }
        db.run(
          `INSERT INTO rights_links (group_id, subject_id, subject_kind, rights)
           VALUES (@group_id, @subject_id, @subject_kind, @rights)
           ON CONFLICT (group_id, subject_id) DO UPDATE SET subject_kind = excluded.subject_kind, rights = excluded.rights`,
          params,
        );
      });
    },
    async removeRightsLink(groupId, subjectId) {
      return db.run('DELETE FROM rights_links WHERE group_id = ? AND subject_id = ?', groupId, subjectId).changes > 0;
    },
    async listRightsLinksOfGroup(groupId) {
      return fromRows(LINK, db.all('SELECT * FROM rights_links WHERE group_id = ?', groupId));
    },
    async listRightsLinksOfSubjects(subjectIds) {
      if (subjectIds.length === 0) return [];
      return fromRows(LINK, db.all(
        'SELECT * FROM rights_links WHERE subject_id IN (SELECT value FROM json_each(?))', JSON.stringify(subjectIds),
      ));
    },
  };
}
