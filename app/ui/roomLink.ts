/** Rooms live at /r/<room>, so a link opens straight into the join form for that room. */
export function roomFromPath(pathname: string): string {
  const match = /^\/r\/([^/]+)\/?$/.exec(pathname);
  if (!match?.[1]) return '';
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return '';
  }
}

export { roomPath } from '../../shared/links.ts';
export { randomRoomName } from '../../shared/roomNames/index.ts';

/** Turns what people type ("Team sync!") into a valid room name ("Team-sync"). */
export function normalizeRoom(input: string): string {
  return input
    .trim()
    .replace(/\s+/g, '-')
    .replace(/[^A-Za-z0-9_-]/g, '')
    .slice(0, 64);
}
