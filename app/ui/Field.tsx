import type { Signal } from '@preact/signals';
import type { PartialInputHTMLAttributes } from 'preact';

type FieldProps = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'type' | 'role'> & {
  label: string;
  value: Signal<string>;
  type?: 'text' | 'password';
  /** A short sentence under the field, read out as the input's description. */
  note?: string;
};

/** A labelled text input bound to a signal: the label is its accessible name. */
export function Field({ label, value, type = 'text', note, ...input }: FieldProps) {
  const onInput = (event: { currentTarget: HTMLInputElement }) => (value.value = event.currentTarget.value);
  // Outside the label, so the note describes the input without becoming part of its name.
  const noteId = note ? `${input.name ?? label}-note` : undefined;
  const field = (
    <label class="field">
      <span>{label}</span>
      {type === 'password' ? (
        <input {...input} aria-describedby={noteId} type="password" value={value.value} onInput={onInput} />
      ) : (
        <input {...input} aria-describedby={noteId} type="text" value={value.value} onInput={onInput} />
      )}
    </label>
  );
  if (!note) return field;
  return (
    <div class="field-with-note">
      {field}
      <small id={noteId} class="field-note">
        {note}
      </small>
    </div>
  );
}
