/** Which devices a run goes to: the ones passed in the URL, a device group, or a tag. */
import { useId } from 'react';
import type { Device, DeviceGroup } from '@meshwork/protocol';

export type TargetMode = 'devices' | 'group' | 'tag';
export interface Targets {
  mode: TargetMode;
  groupId: string;
  tag: string;
}

export function RunTargets({ value, onChange, chosen, groups, tags }: {
  value: Targets;
  onChange: (t: Targets) => void;
  chosen: readonly Device[];
  groups: readonly DeviceGroup[];
  tags: readonly string[];
}) {
  const id = useId();
  const radio = (mode: TargetMode, label: string) => (
    <label className="check">
      <input type="radio" name={`${id}-mode`} checked={value.mode === mode} onChange={() => onChange({ ...value, mode })} />
      {label}
    </label>
  );
  return (
    <fieldset className="run-targets">
      <legend>Devices</legend>
      <div className="row">
        {radio('devices', `Selected devices (${chosen.length})`)}
        {radio('group', 'A device group')}
        {radio('tag', 'Devices with a tag')}
      </div>
      {value.mode === 'devices' && (chosen.length === 0 ? (
        <p className="muted">No devices selected: tick devices on the Devices page, or choose a group or a tag.</p>
      ) : (
        <ul className="chosen" aria-label="Selected devices">
          {chosen.slice(0, 50).map((d) => <li key={d.id} className="tag">{d.name}</li>)}
          {chosen.length > 50 && <li className="muted">{`and ${chosen.length - 50} more`}</li>}
        </ul>
      ))}
      {(value.mode === 'group' || value.mode === 'tag') && (
        <div className="row">
          <div className="field">
            <label htmlFor={`${id}-g`}>{value.mode === 'tag' ? 'Group (optional)' : 'Group'}</label>
            <select id={`${id}-g`} value={value.groupId} onChange={(e) => onChange({ ...value, groupId: e.target.value })}>
              <option value="">{value.mode === 'tag' ? 'Any group' : 'Choose a group'}</option>
              {groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
            </select>
          </div>
          {value.mode === 'tag' && (
            <div className="field">
              <label htmlFor={`${id}-t`}>Tag</label>
              <input id={`${id}-t`} list={`${id}-tl`} value={value.tag} maxLength={64} onChange={(e) => onChange({ ...value, tag: e.target.value })} />
              <datalist id={`${id}-tl`}>{tags.map((t) => <option key={t} value={t} />)}</datalist>
            </div>
          )}
        </div>
      )}
    </fieldset>
  );
}
