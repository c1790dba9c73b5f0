import { ProtocolError } from '../../shared/protocol/index.ts';
import type { Room } from '../sfu/room.ts';
import type { InviteSigner, Meeting } from './invites.ts';
import type { PasswordGuard } from './passwordGuard.ts';

export type Credentials = { password?: string | undefined; invite?: string | undefined };

/**
 * The meeting of a room agreed among the servers of a service (server/cluster/sharedAccess.ts), so that a room
 * with a password is one meeting on all of them. Absent on a server that runs alone.
 */
export type SharedMeetings = {
  /**
   * Before anyone is admitted to `room` here: makes it the meeting running under its name on any server (its
   * instance id and password), or, if none runs, the meeting these credentials open. Resolves true when this join
   * made the meeting with its password (it needs no check then).
   */
  settle(room: Room, credentials: Credentials, passwords: PasswordGuard): Promise<boolean>;
  /** The meeting running under the room's name on any server, if one does (to check an invite without a room). */
  find(roomId: string): Promise<Meeting | undefined>;
};

export type AdmissionServices = { invites: InviteSigner; passwords: PasswordGuard; meetings?: SharedMeetings | undefined };

/**
 * Lets a new peer into a room, or says why not. The first person into an empty room may give it a password;
 * after that the password or a valid invite to this meeting is needed. A bad invite is refused even for an open
 * room, so an expired link never seems to work by accident. In a service of several servers, "empty" means on
 * every server: the meeting is settled there first.
 */
export async function admit(
  room: Room,
  credentials: Credentials,
  address: string,
  services: AdmissionServices,
): Promise<void> {
  const madeIt = services.meetings ? await services.meetings.settle(room, credentials, services.passwords) : false;
  if (credentials.invite) await services.invites.verify(credentials.invite, room.id, room);
  if (madeIt) return;
  if (!services.meetings && !room.password && room.peers.size === 0 && credentials.password) {
    // Set before the first await, so a second person arriving meanwhile already meets the password.
    room.password = services.passwords.hash(credentials.password);
    await room.password;
    return;
  }
  if (!room.password || credentials.invite) return;
  if (!credentials.password) throw new ProtocolError('password_required', 'This room has a password. Enter it to join.');
  const attempt = { password: credentials.password, address, meeting: room.instanceId };
  await services.passwords.check(await room.password, attempt);
}
