import type { Signal } from '@preact/signals';
import type { PartialInputHTMLAttributes } from 'preact';

type FieldProps = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'type' | 'role'> & {
  label: string;
  value: Signal<string>;
  type?: 'text' | 'password';
};

/** A labelled text input bound to a signal: the label is its accessible name. */
export function Field({ label, value, type = 'text', ...input }: FieldProps) {
  const onInput = (event: { currentTarget: HTMLInputElement }) => (value.value = event.currentTarget.value);
  return (
    <label class="field">
      <span>{label}</span>
      {type === 'password' ? (
        <input {...input} type="password" value={value.value} onInput={onInput} />
      ) : (
        <input {...input} type="text" value={value.value} onInput={onInput} />
      )}
    </label>
  );
}
