import { signal } from '@preact/signals';

/** Where the user is: the join form, on the way in, in a call, or back out. */
export type Phase = 'lobby' | 'joining' | 'in-call';

/** What the connection indicator shows. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'unreachable';

export const phase = signal<Phase>('lobby');
export const roomName = signal('');
export const connection = signal<ConnectionState>('connecting');
/** A problem that stopped the join, shown on the join screen in words. */
export const joinError = signal<string | null>(null);
/** A problem in the call that does not end it (camera blocked, share failed), shown as a dismissible banner. */
export const notice = signal<string | null>(null);

/** What lets this person into a room with a password: the password, or an invite from a link. */
export type RoomAccess = { password?: string; invite?: string };

/** The room has a password: the Invite button hands out signed invite links instead of the bare room link. */
export const roomLocked = signal(false);
