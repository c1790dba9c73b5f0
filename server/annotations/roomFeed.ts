import type { Room } from '../sfu/room.ts';
import type { AnnotatedRoom } from './service.ts';

/** A room as the annotation service sees it: its boards, its live screen shares, and its chat feed. */
export function annotatedRoomOf(room: Room): AnnotatedRoom {
  return {
    id: room.id,
    annotations: room.annotations,
    sharing: (peerId) => room.sharesScreen(peerId),
    send: (text) => room.data.sendChat(text),
  };
}
