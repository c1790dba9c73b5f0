/** Turns getUserMedia / getDisplayMedia failures into sentences a person can act on. */
export function describeMediaError(error: unknown, what: 'camera' | 'microphone' | 'camera and microphone' | 'screen'): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  if (!window.isSecureContext) {
    return `Your browser only allows the ${what} on a secure (https) page. Open this app through its https:// address.`;
  }
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return what === 'screen'
        ? 'Screen sharing was not allowed.'
        : `The ${what} is blocked for this site. Allow it in your browser's site settings (the icon beside the address), then turn it on again. You can stay in the call without it.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} was found on this device.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} is in use by another app or could not start. Close the other app and try again.`;
    default:
      return `The ${what} could not start${name ? ` (${name})` : ''}.`;
  }
}
