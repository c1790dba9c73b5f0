/** Rooms live at /r/<room>: the one place app and server write that path (links, QR codes, invites). */
export function roomPath(room: string): string {
  return `/r/${encodeURIComponent(room)}`;
}
