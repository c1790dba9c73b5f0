import type { types } from 'mediasoup';
import { ProtocolError, type TransportDirection } from '../../shared/protocol/index.ts';
import type { Peer, TransportAppData } from './peer.ts';
import type { Placement } from './roomRouters.ts';

/** Enough for a 1080p screen share plus simulcast camera from one peer. */
const MAX_INCOMING_BITRATE = 5_000_000;

/**
 * A WebRTC transport for `peer` on its own router, through its worker's WebRtcServer (one port per worker). A second
 * transport for the same direction replaces the first (a client recovering from a failed one).
 */
export async function createPeerTransport(
  peer: Peer,
  placement: Placement,
  direction: TransportDirection,
  options: { sctpSendBufferSize: number; roomClosed: () => boolean },
): Promise<types.WebRtcTransport<TransportAppData>> {
  const transport = await placement.router.createWebRtcTransport<TransportAppData>({
    webRtcServer: placement.slot.webRtcServer,
    enableUdp: true,
    enableTcp: true,
    preferUdp: true,
    // Data channels (chat) ride the same transports. A full send buffer toward a slow receiver drops messages
    // (../shared/notes/datachannels.md): a bigger one absorbs bursts, the app's acks and gap repair do the rest.
    enableSctp: true,
    sctpSendBufferSize: options.sctpSendBufferSize,
    sctpPerStreamSendQueueLimit: options.sctpSendBufferSize,
    initialAvailableOutgoingBitrate: 1_000_000,
    appData: { direction },
  });
  if (peer.closed || options.roomClosed()) {
    transport.close();
    throw new ProtocolError('bad_state', 'Peer left while the transport was being created');
  }
  if (direction === 'send') await transport.setMaxIncomingBitrate(MAX_INCOMING_BITRATE).catch(() => {});
  peer.transports.get(direction)?.close();
  peer.transports.set(direction, transport);
  transport.observer.on('close', () => {
    if (peer.transports.get(direction) === transport) peer.transports.delete(direction);
  });
  return transport;
}
