import type { Method, RequestData, ResponseData } from '../../shared/protocol/index.ts';
import { ProtocolError } from '../../shared/protocol/index.ts';
import type { SharedMeetings } from '../access/admission.ts';
import type { InviteSigner } from '../access/invites.ts';
import type { PasswordGuard } from '../access/passwordGuard.ts';
import type { ChatService } from '../chat/service.ts';
import type { Config } from '../config.ts';
import type { Peer, PeerChannel } from '../sfu/peer.ts';
import type { Room } from '../sfu/room.ts';
import type { RoomRegistry } from '../sfu/rooms.ts';
import type { KeyedRateLimiter } from './rateLimit.ts';

/** What one signaling connection knows about itself. */
export type Session = {
  /** The key per-address limits count under: the client's address, or its /64 for IPv6 (access/clientAddress.ts). */
  readonly remoteAddress: string;
  handshaken: boolean;
  joined: { room: Room; peer: Peer } | undefined;
  readonly channel: PeerChannel;
};

/** Server-wide services a handler may use. */
export type Services = {
  config: Config;
  rooms: RoomRegistry;
  /** Joins per client address. */
  joinLimiter: KeyedRateLimiter;
  invites: InviteSigner;
  /** Hashes and checks room passwords; limits failed guesses. */
  passwords: PasswordGuard;
  /** Chat history and the server's part in each message. */
  chat: ChatService;
  /** Rooms' meetings (password, instance id) agreed among the servers of a service; absent on a server alone. */
  meetings?: SharedMeetings | undefined;
};

export type HandlerContext = { session: Session; services: Services };

export type Handler<M extends Method> = (context: HandlerContext, data: RequestData<M>) => Promise<ResponseData<M>>;

export type HandlerTable = { [M in Method]: Handler<M> };

/** The guard every media handler starts with: only a joined, open peer may touch media. */
export function requireJoined(session: Session): { room: Room; peer: Peer } {
  const joined = session.joined;
  if (!joined || joined.peer.closed) throw new ProtocolError('not_joined', 'Join a room first');
  return joined;
}
