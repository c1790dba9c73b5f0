import { errors, jwtVerify, SignJWT } from 'jose';
import { ProtocolError } from '../../shared/protocol/index.ts';

/** One meeting: a room name, and the instance of it that lives from its first join until it empties. */
export type Meeting = { id: string; instanceId: string };

const MEETING_ENDED = 'This meeting has ended, so its invite links no longer work. Ask for a new one.';

/**
 * Signed, expiring invite links (JWT, HS256): `{ room, meeting, exp }` under a server secret that never leaves the
 * server. An invite admits its holder, without the password, to the meeting it was made in, until it expires or
 * that meeting ends: room names are reused once a room empties, and the next meeting under a name is not the same.
 */
export class InviteSigner {
  readonly #key: Uint8Array;
  readonly #ttlS: number;

  constructor(secret: string, ttlS: number) {
    this.#key = new TextEncoder().encode(secret);
    this.#ttlS = ttlS;
  }

  async create(meeting: Meeting, nowMs = Date.now()): Promise<{ invite: string; expiresAt: number }> {
    const expiresAt = Math.floor(nowMs / 1000) + this.#ttlS;
    const invite = await new SignJWT({ room: meeting.id, meeting: meeting.instanceId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(expiresAt)
      .sign(this.#key);
    return { invite, expiresAt: expiresAt * 1000 };
  }

  /**
   * Throws `invite_expired` (its time is up, or its meeting ended) or `invite_invalid` (forged, damaged, or for
   * another room). `meeting` is undefined when no meeting runs under `room` now.
   */
  async verify(invite: string, room: string, meeting: Meeting | undefined): Promise<void> {
    let payload;
    try {
      ({ payload } = await jwtVerify(invite, this.#key, { algorithms: ['HS256'] }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new ProtocolError('invite_expired', 'This invite link has expired. Ask for a new one.');
      }
      throw new ProtocolError('invite_invalid', 'This invite link is not valid. Ask for a new one.');
    }
    if (payload.room !== room) throw new ProtocolError('invite_invalid', 'This invite link is for another room.');
    if (!meeting || payload.meeting !== meeting.instanceId) throw new ProtocolError('invite_expired', MEETING_ENDED);
  }
}
