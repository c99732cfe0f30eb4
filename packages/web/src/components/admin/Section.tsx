/** A titled panel: one section of an admin page, labelled for screen readers by its heading. */
import { useId, type ReactNode } from 'react';

export function Section({ title, actions, children, testId }: { title: string; actions?: ReactNode; children: ReactNode; testId?: string }) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id} data-testid={testId}>
      <div className="row section-head">
        <h2 id={id} className="grow">{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
