import { ProtocolError } from '../../shared/protocol/index.ts';
import type { Room } from '../sfu/room.ts';
import type { InviteSigner } from './invites.ts';
import type { PasswordGuard } from './passwordGuard.ts';

type Credentials = { password?: string | undefined; invite?: string | undefined };

export type AdmissionServices = { invites: InviteSigner; passwords: PasswordGuard };

/**
 * Lets a new peer into a room, or says why not. The first person into an empty room may give it a password;
 * after that the password or a valid invite to this meeting is needed. A bad invite is refused even for an open
 * room, so an expired link never seems to work by accident.
 */
export async function admit(
  room: Room,
  credentials: Credentials,
  address: string,
  services: AdmissionServices,
): Promise<void> {
  if (credentials.invite) await services.invites.verify(credentials.invite, room.id, room);
  if (!room.password && room.peers.size === 0 && credentials.password) {
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
