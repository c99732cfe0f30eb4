/** Users: create an account with a first password and its site rights. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { SiteRightName } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { problemText } from '../../lib/admin-errors.js';
import { adminKeys } from '../../lib/admin-queries.js';
import { Button, Field, Notice } from '../ui.js';
import { Section } from './Section.js';
import { SiteRightsPicker } from './SiteRightsPicker.js';

const NAME_RULE = /^[a-z0-9][a-z0-9._-]*$/;

export function CreateUserForm() {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [rights, setRights] = useState<Set<SiteRightName>>(new Set());
  const [formError, setFormError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api.users.create({ name, password, siteRights: [...rights] }),
    onSuccess: () => {
      setName('');
      setPassword('');
      setRights(new Set());
      void qc.invalidateQueries({ queryKey: adminKeys.users });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    if (!NAME_RULE.test(name)) return setFormError('User names use lowercase letters, digits, dot, dash or underscore.');
    if (password.length < 8) return setFormError('The password needs at least 8 characters.');
    create.mutate();
  }

  return (
    <Section title="New user">
      <form onSubmit={submit} noValidate>
        <div className="row inline-form top">
          <Field label="User name" autoComplete="off" value={name} maxLength={64} onChange={(e) => setName(e.target.value.toLowerCase())} />
          <Field label="Password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} hint="At least 8 characters; the user can change it." />
        </div>
        <SiteRightsPicker selected={rights} onChange={setRights} />
        <Notice>{formError ?? (create.error ? problemText(create.error) : null)}</Notice>
        {create.isSuccess && <Notice kind="ok">{`User ${create.data.name} created.`}</Notice>}
        <Button type="submit" variant="primary" disabled={create.isPending}>Create user</Button>
      </form>
    </Section>
  );
}
