/**
 * Site-right checkboxes. Administrators may grant anything; other user managers only the rights
 * they hold themselves and never "Administrator" (the server enforces the same rule).
 */
import type { SiteRightName } from '@meshwork/protocol';
import { SITE_RIGHT_LABELS, SITE_RIGHT_NAMES } from '../../lib/admin-rights.js';
import { useSession } from '../../lib/session.js';
import { Checklist } from './Checklist.js';

export function SiteRightsPicker({ selected, onChange, legend = 'Site rights' }: {
  selected: ReadonlySet<SiteRightName>;
  onChange(next: Set<SiteRightName>): void;
  legend?: string;
}) {
  const { session } = useSession();
  const mine = new Set(session?.user.siteRights ?? []);
  const isAdmin = mine.has('admin');
  const options = SITE_RIGHT_NAMES.map((r) => ({
    value: r,
    label: SITE_RIGHT_LABELS[r],
    disabled: !isAdmin && (r === 'admin' || (!mine.has(r) && !selected.has(r))),
  }));
  return <Checklist legend={legend} options={options} selected={selected} onChange={onChange} />;
}
