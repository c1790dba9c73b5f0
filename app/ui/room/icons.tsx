/* Icons: a slash across means "off", so state reads at a glance without relying on colour. */

import type { ComponentChildren } from 'preact';

type IconProps = { off?: boolean };

function Outline({ size = 26, children }: { size?: number; children: ComponentChildren }) {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2">
      {children}
    </svg>
  );
}

function Slash() {
  return <path d="M4 4l16 16" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" />;
}

export function MicIcon({ off }: IconProps) {
  return (
    <Outline>
      <rect x="9" y="3" width="6" height="11" rx="3" />
      <path d="M5 11a7 7 0 0 0 14 0M12 18v3" stroke-linecap="round" />
      {off && <Slash />}
    </Outline>
  );
}

export function CameraIcon({ off }: IconProps) {
  return (
    <Outline>
      <rect x="3" y="6" width="13" height="12" rx="2.5" />
      <path d="M16 10l5-3v10l-5-3z" stroke-linejoin="round" />
      {off && <Slash />}
    </Outline>
  );
}

export function ScreenIcon() {
  return (
    <Outline>
      <rect x="3" y="4" width="18" height="12" rx="2" />
      <path d="M8 20h8M12 16v4M12 7v6M9 10l3-3 3 3" stroke-linecap="round" stroke-linejoin="round" />
    </Outline>
  );
}

export function LeaveIcon() {
  return (
    <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" fill="currentColor">
      <path d="M12 9c-3.2 0-6.2.9-8.6 2.6-.8.6-1 1.7-.5 2.5l1.1 1.7c.5.7 1.4 1 2.2.6l2.3-1.1c.6-.3 1-.9 1-1.6v-1.4a12 12 0 0 1 5 0v1.4c0 .7.4 1.3 1 1.6l2.3 1.1c.8.4 1.7.1 2.2-.6l1.1-1.7c.5-.8.3-1.9-.5-2.5C18.2 9.9 15.2 9 12 9z" />
    </svg>
  );
}

export function LinkIcon() {
  return (
    <Outline size={22}>
      <path stroke-linecap="round" d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1" />
      <path stroke-linecap="round" d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
    </Outline>
  );
}

export function SpeakerIcon() {
  return (
    <Outline size={22}>
      <path d="M4 9h4l5-4v14l-5-4H4z" stroke-linejoin="round" />
      <path d="M16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12" stroke-linecap="round" />
    </Outline>
  );
}
