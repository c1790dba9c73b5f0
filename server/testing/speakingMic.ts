import dgram from 'node:dgram';
import type { types } from 'mediasoup';
import type { Peer, ProducerAppData, TransportAppData } from '../sfu/peer.ts';
import type { Room } from '../sfu/room.ts';

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const AUDIO_LEVEL_ID = 1;
const OPUS_PAYLOAD_TYPE = 111;

/**
 * A microphone that speaks, for tests of the active speaker without a browser: `peer`'s mic is produced on a plain
 * RTP transport (on the peer's router, through Room.produce like any mic) and fed Opus-shaped packets every 20 ms
 * whose RFC 6464 audio-level header extension says someone talks, which is all mediasoup's ActiveSpeakerObserver reads.
 */
export async function speakingMic(room: Room, peer: Peer): Promise<{ producer: types.Producer<ProducerAppData>; stop(): void }> {
  const transport = await room.routers.of(peer.id).router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: true,
  });
  const ssrc = 1 + Math.floor(Math.random() * 2 ** 30);
  const producer = await room.produce(peer, transport as unknown as types.WebRtcTransport<TransportAppData>, {
    kind: 'audio',
    source: 'mic',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: OPUS_PAYLOAD_TYPE, clockRate: 48_000, channels: 2 }],
      headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: AUDIO_LEVEL_ID }],
      encodings: [{ ssrc }],
    },
    paused: false,
  });
  const socket = dgram.createSocket('udp4');
  let sequence = 0;
  const timer = setInterval(() => {
    sequence++;
    socket.send(rtpPacket(ssrc, sequence, sequence * 960), transport.tuple.localPort, '127.0.0.1');
  }, 20);
  return {
    producer,
    stop() {
      clearInterval(timer);
      socket.close();
      transport.close();
    },
  };
}

/**
 * An RTP packet with the audio-level extension and a small Opus payload. The level goes up and down like speech
 * (bursts near -5 dBov between short pauses near silence): mediasoup's dominant speaker identification measures each
 * mic against its own noise floor, so an even level, however loud, is taken for background noise.
 */
function rtpPacket(ssrc: number, sequence: number, timestamp: number): Buffer {
  const dBov = sequence % 20 < 14 ? 5 + (sequence % 7) : 120;
  const header = Buffer.alloc(12);
  header[0] = 0x90; // version 2, extension present
  header[1] = OPUS_PAYLOAD_TYPE;
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(ssrc, 8);
  // One-byte header extensions (RFC 8285): 0xBEDE, one 32-bit word: id/length, level (V bit + -dBov), padding.
  const extension = Buffer.from([0xbe, 0xde, 0x00, 0x01, (AUDIO_LEVEL_ID << 4) | 0, (dBov < 100 ? 0x80 : 0) | dBov, 0, 0]);
  const payload = Buffer.alloc(40, 0);
  payload[0] = 0x78; // an Opus TOC byte: 20 ms frame
  return Buffer.concat([header, extension, payload]);
}
