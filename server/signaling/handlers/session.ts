import { PROTOCOL_VERSION, ProtocolError } from '../../../shared/protocol/index.ts';
import type { types } from 'mediasoup';
import { admit } from '../../access/admission.ts';
import type { Meeting } from '../../access/invites.ts';
import { chatHistoryKey } from '../../chat/roomEvents.ts';
import { iceServersFor } from '../../ice/iceServers.ts';
import { createLogger } from '../../log.ts';
import { Peer } from '../../sfu/peer.ts';
import type { Room } from '../../sfu/room.ts';
import { requireJoined, type HandlerContext, type HandlerTable, type Services, type Session } from '../context.ts';

const log = createLogger('session');

type SessionHandlers = Pick<HandlerTable, 'hello' | 'join' | 'setCapabilities' | 'leave' | 'ping' | 'createInvite'>;

export const sessionHandlers: SessionHandlers = {
  async hello({ session }, { protocolVersion }) {
    if (protocolVersion !== PROTOCOL_VERSION) {
      throw new ProtocolError(
        'unsupported_version',
        `This server speaks protocol ${PROTOCOL_VERSION}, the app speaks ${protocolVersion}: reload the page`,
      );
    }
    session.handshaken = true;
    return { protocolVersion: PROTOCOL_VERSION };
  },

  async join({ session, services }, { room: roomId, name, resume, password, invite }) {
    if (session.joined) throw new ProtocolError('already_joined', 'This connection already joined a room');
    const existing = await services.rooms.find(roomId);
    const previous = resume && existing ? resumePeer(existing, resume, session) : undefined;
    const resumed = previous !== undefined;
    // Cheap refusals come before a router is allocated, so a flood of joins to fresh names costs nothing.
    // A meeting whose worker died is still running for invites while its people come back (see RoomRegistry).
    // On a service of several servers, the meeting may run on another one only.
    const meeting = existing ?? services.rooms.lostMeeting(roomId) ?? (invite && !resumed ? await services.meetings?.find(roomId) : undefined);
    if (!resumed) await refuseEarly(session, services, { roomId, invite, meeting });
    const room = existing && resumed ? existing : await services.rooms.getOrCreate(roomId);
    let peer: Peer;
    room.admitting++;
    try {
      peer = previous ?? (await admitNewPeer(room, { name, password, invite }, session, services));
    } catch (error) {
      // A room made for this join alone must not outlive its refusal (but one that someone else is entering must).
      if (room.peers.size === 0 && room.admitting === 1) room.close();
      throw error;
    } finally {
      room.admitting--;
    }
    session.joined = { room, peer };
    // Read before the notifications below are scheduled: they must follow the reply (the store may be Redis).
    const chatLastSeq = await services.chat.lastSeq(chatHistoryKey(room));
    log.info(resumed ? 'peer resumed' : 'peer joined', { room: room.id, peer: peer.id, peers: room.peers.size });
    // Who is speaking, so a late joiner highlights them before the next change; after this reply like the rest.
    setImmediate(() => peer.notify({ method: 'activeSpeaker', data: { peerId: room.speaker.peerId } }));
    // File offers and links it missed while away, told after this reply (setImmediate runs once it is sent).
    if (resumed) {
      setImmediate(() => {
        room.files.peerResumed(peer);
        // Also after a reload, whose new receive transport names them again: the app consumes a link once however
        // often it is named, and knowing it this early it consumes as soon as its transport exists (without this,
        // the reload case of files-resume re-sent a second window in 1 run of 3: its resume beat its consumer).
        room.fileLinks.announceTo(peer);
      });
    }
    return {
      peerId: peer.id,
      resumeToken: peer.resumeToken,
      resumed,
      routerRtpCapabilities: room.router.rtpCapabilities,
      iceServers: iceServersFor(services.config.ice, peer.id),
      iceTransportPolicy: services.config.ice.transportPolicy,
      // People on other servers of the service too (server/cluster/remotePeers.ts), told like local ones.
      peers: [...room.otherPeers(peer).map((other) => other.info()), ...(room.remote?.infos() ?? [])],
      locked: room.password !== undefined,
      chat: { dataProducerId: room.data.chatFeedId, lastSeq: chatLastSeq },
    };
  },

  async createInvite({ session, services }) {
    const { room } = requireJoined(session);
    return services.invites.create(room);
  },

  async setCapabilities({ session }, { rtpCapabilities, sctpCapabilities }) {
    const { peer } = requireJoined(session);
    // mediasoup checks these deeply when it consumes; here they only need the checked outer shape.
    peer.rtpCapabilities = rtpCapabilities as types.RtpCapabilities;
    peer.sctpCapabilities = sctpCapabilities;
    return {};
  },

  async leave({ session }) {
    const { room, peer } = requireJoined(session);
    session.joined = undefined;
    room.removePeer(peer);
    return {};
  },

  async ping() {
    return {};
  },
};

/** The socket closed: a joined peer stays for the grace period so it can resume, then leaves for good. */
export function handleDisconnect({ session, services }: HandlerContext): void {
  const joined = session.joined;
  session.joined = undefined;
  if (!joined || joined.peer.closed) return;
  const { room, peer } = joined;
  // A resumed peer already has a new channel; only detach when this socket is still the peer's channel.
  if (peer.channel !== session.channel) return;
  peer.detach(services.config.peerGraceMs, () => room.removePeer(peer));
  room.broadcast({ method: 'peerConnectionChanged', data: { peerId: peer.id, connected: false } }, peer.id);
}

/**
 * The same person on a new socket: keep their media (or, with `freshMedia`, drop it for the new media session a
 * reloaded page builds). The old socket, if it still seems open (a dead TCP connection often does), is fenced:
 * nothing it queued runs on the peer any more.
 */
function resumePeer(
  room: Room,
  resume: { peerId: string; token: string; freshMedia?: boolean | undefined },
  session: Session,
): Peer | undefined {
  const previous = room.peers.get(resume.peerId);
  if (!previous || !previous.matchesToken(resume.token)) return undefined;
  previous.channel?.fence();
  if (resume.freshMedia) previous.resetMedia();
  previous.attach(session.channel);
  room.broadcast({ method: 'peerConnectionChanged', data: { peerId: previous.id, connected: true } }, previous.id);
  return previous;
}

/**
 * What can refuse a new join without a room: the per-address join limit, and an invite whose meeting is not
 * running (its room emptied, so no router should be made just to say so).
 */
async function refuseEarly(
  session: Session,
  services: Services,
  request: { roomId: string; invite: string | undefined; meeting: Meeting | undefined },
): Promise<void> {
  // Only new peers count: a resume creates nothing, and a phone on a flaky network must always get back in.
  if (!services.joinLimiter.take(session.remoteAddress)) {
    throw new ProtocolError('rate_limited', 'Too many joins from your network just now. Wait a minute and try again.');
  }
  if (request.invite && !request.meeting) await services.invites.verify(request.invite, request.roomId, undefined);
}

async function admitNewPeer(
  room: Room,
  request: { name: string; password?: string | undefined; invite?: string | undefined },
  session: Session,
  services: Services,
): Promise<Peer> {
  if (room.peers.size >= services.config.maxPeersPerRoom) {
    throw new ProtocolError('room_full', `Room "${room.id}" is full. Try again later, or use another room.`);
  }
  await admit(room, request, session.remoteAddress, services);
  if (room.closed) throw new ProtocolError('bad_state', 'The room closed while you were joining; try again');
  const peer = new Peer(request.name, session.channel);
  // Placed on the least loaded worker, which may not be the room's home one (see RoomRouters).
  await room.addPeer(peer);
  return peer;
}
