import type { ComponentChildren } from 'preact';

type ToggleProps = {
  label: string;
  pressed: boolean;
  /** The tooltip, saying what a tap will do. */
  hint: string;
  kind: 'av' | 'share';
  small?: boolean;
  disabled?: boolean;
  onToggle(): void;
  children: ComponentChildren;
};

/** A round on/off button: its name says what, aria-pressed says whether it is on, the tooltip what a tap does. */
export function Toggle({ label, pressed, hint, kind, small, disabled, onToggle, children }: ToggleProps) {
  return (
    <button
      type="button"
      class={`round ${kind}${small ? ' small' : ''}`}
      aria-label={label}
      aria-pressed={pressed}
      title={hint}
      disabled={disabled}
      onClick={onToggle}
    >
      {children}
    </button>
  );
}
