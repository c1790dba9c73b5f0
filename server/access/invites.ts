import { errors, jwtVerify, SignJWT } from 'jose';
import { ProtocolError } from '../../shared/protocol/index.ts';

/**
 * Signed, expiring invite links (JWT, HS256): `{ room, exp }` under a server secret that never leaves the server.
 * An invite admits its holder to that one room without the room's password until it expires.
 */
export class InviteSigner {
  readonly #key: Uint8Array;
  readonly #ttlS: number;

  constructor(secret: string, ttlS: number) {
    this.#key = new TextEncoder().encode(secret);
    this.#ttlS = ttlS;
  }

  async create(room: string, nowMs = Date.now()): Promise<{ invite: string; expiresAt: number }> {
    const expiresAt = Math.floor(nowMs / 1000) + this.#ttlS;
    const invite = await new SignJWT({ room })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(expiresAt)
      .sign(this.#key);
    return { invite, expiresAt: expiresAt * 1000 };
  }

  /** Throws `invite_expired` or `invite_invalid` (forged, damaged, or for another room). */
  async verify(invite: string, room: string): Promise<void> {
    try {
      const { payload } = await jwtVerify(invite, this.#key, { algorithms: ['HS256'] });
      if (payload.room !== room) throw new ProtocolError('invite_invalid', 'This invite link is for another room.');
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      if (error instanceof errors.JWTExpired) {
        throw new ProtocolError('invite_expired', 'This invite link has expired. Ask for a new one.');
      }
      throw new ProtocolError('invite_invalid', 'This invite link is not valid. Ask for a new one.');
    }
  }
}
