/** Group rights: "Full rights", or a checkbox per right labelled in words (GROUP_RIGHT_LABELS). */
import type { GroupRightName } from '@meshwork/protocol';
import { GROUP_RIGHT_LABELS, GROUP_RIGHT_NAMES } from '../../lib/admin-rights.js';
import { Checklist } from './Checklist.js';

const OPTIONS = GROUP_RIGHT_NAMES.map((r) => ({ value: r, label: GROUP_RIGHT_LABELS[r] }));

export function GroupRightsPicker({ full, onFull, selected, onChange }: {
  full: boolean;
  onFull(full: boolean): void;
  selected: ReadonlySet<GroupRightName>;
  onChange(next: Set<GroupRightName>): void;
}) {
  return (
    <div className="rights-picker">
      <label className="check">
        <input type="checkbox" checked={full} onChange={(e) => onFull(e.target.checked)} />
        Full rights
      </label>
      {!full && <Checklist legend="Rights" options={OPTIONS} selected={selected} onChange={onChange} />}
    </div>
  );
}
