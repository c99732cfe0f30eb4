/** Groups: rename a device group and change its description. */
import { useState, type FormEvent } from 'react';
import type { DeviceGroup } from '@meshwork/protocol';
import { Button, Dialog, Field } from '../ui.js';

export function GroupEditDialog({ group, onSubmit, onClose }: {
  group: DeviceGroup | null;
  onSubmit(change: { name: string; description: string }): void;
  onClose(): void;
}) {
  return (
    <Dialog open={!!group} title={`Rename ${group?.name ?? ''}`} onClose={onClose}>
      {group && <EditForm group={group} onSubmit={onSubmit} onClose={onClose} />}
    </Dialog>
  );
}

function EditForm({ group, onSubmit, onClose }: { group: DeviceGroup; onSubmit(c: { name: string; description: string }): void; onClose(): void }) {
  const [name, setName] = useState(group.name);
  const [description, setDescription] = useState(group.description);
  function submit(e: FormEvent) {
    e.preventDefault();
    if (name.trim()) onSubmit({ name: name.trim(), description });
  }
  return (
    <form onSubmit={submit}>
      <Field label="Group name" value={name} maxLength={128} onChange={(e) => setName(e.target.value)} autoFocus />
      <Field label="Description" value={description} maxLength={1024} onChange={(e) => setDescription(e.target.value)} />
      <div className="row end">
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="primary" disabled={!name.trim()}>Save</Button>
      </div>
    </form>
  );
}
