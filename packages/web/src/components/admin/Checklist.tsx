/** A group of labelled checkboxes (rights pickers): a fieldset with a legend, one box per option. */
export interface ChecklistOption<T extends string> {
  value: T;
  label: string;
  disabled?: boolean;
}

export function Checklist<T extends string>({ legend, options, selected, onChange, disabled }: {
  legend: string;
  options: ChecklistOption<T>[];
  selected: ReadonlySet<T>;
  onChange(next: Set<T>): void;
  disabled?: boolean;
}) {
  function toggle(v: T, on: boolean) {
    const next = new Set(selected);
    if (on) next.add(v);
    else next.delete(v);
    onChange(next);
  }
  return (
    <fieldset className="checklist" disabled={disabled}>
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.value} className="check">
          <input type="checkbox" checked={selected.has(o.value)} disabled={o.disabled} onChange={(e) => toggle(o.value, e.target.checked)} />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}
