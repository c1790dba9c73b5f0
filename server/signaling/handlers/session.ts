import { PROTOCOL_VERSION, ProtocolError } from '../../../shared/protocol/index.ts';
import type { types } from 'mediasoup';
import { iceServersFor } from '../../ice/iceServers.ts';
import { createLogger } from '../../log.ts';
import { Peer } from '../../sfu/peer.ts';
import { requireJoined, type HandlerTable, type HandlerContext } from '../context.ts';

const log = createLogger('session');

type SessionHandlers = Pick<HandlerTable, 'hello' | 'join' | 'setCapabilities' | 'leave' | 'ping'>;

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

  async join(context, { room: roomId, name, resume }) {
    const { session, services } = context;
    if (session.joined) throw new ProtocolError('already_joined', 'This connection already joined a room');
    const room = await services.rooms.getOrCreate(roomId);
    const previous = resume ? room.peers.get(resume.peerId) : undefined;
    let peer: Peer;
    let resumed = false;
    if (previous && resume && previous.matchesToken(resume.token)) {
      // The same person on a new socket: keep their media, cut the old socket if it is somehow still open.
      previous.channel?.drop();
      previous.attach(session.channel);
      peer = previous;
      resumed = true;
      room.broadcast({ method: 'peerConnectionChanged', data: { peerId: peer.id, connected: true } }, peer.id);
    } else {
      // Only new peers count: a resume creates nothing, and a phone on a flaky network must always get back in.
      if (!services.joinLimiter.take(session.remoteAddress)) {
        throw new ProtocolError('rate_limited', 'Too many joins from your network just now. Wait a minute and try again.');
      }
      if (room.peers.size >= services.config.maxPeersPerRoom) {
        throw new ProtocolError('room_full', `Room "${roomId}" is full. Try again later, or use another room.`);
      }
      peer = new Peer(name, session.channel);
      room.addPeer(peer);
    }
    session.joined = { room, peer };
    log.info(resumed ? 'peer resumed' : 'peer joined', { room: room.id, peer: peer.id, peers: room.peers.size });
    return {
      peerId: peer.id,
      resumeToken: peer.resumeToken,
      resumed,
      routerRtpCapabilities: room.router.rtpCapabilities,
      iceServers: iceServersFor(services.config.ice, peer.id),
      iceTransportPolicy: services.config.ice.transportPolicy,
      peers: room.otherPeers(peer).map((other) => other.info()),
    };
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
