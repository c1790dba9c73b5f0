import { annotatedRoomOf } from '../annotations/roomFeed.ts';
import { annotateFrameOf, AnnotationService } from '../annotations/service.ts';
import { createLogger } from '../log.ts';
import { PPID_STRING, PPID_STRING_EMPTY } from '../sfu/dataChannels.ts';
import type { Room, RoomEvents } from '../sfu/room.ts';
import { MAX_CHAT_FRAME_BYTES, type ChatFeed, type ChatService } from './service.ts';

const log = createLogger('chat');

/**
 * Where a room's chat history is kept. An open room keeps it under its name, so people coming back within the
 * retention find it. A room with a password keeps it under its meeting (the instance id, which a room recreated
 * after its worker died carries over): the next meeting under that name, whoever opens it and whatever password
 * they choose, cannot read what was said behind the old one. '/' never occurs in room names.
 */
export function chatHistoryKey(room: Room): string {
  return room.password ? `${room.id}/${room.instanceId}` : room.id;
}

/** A room's chat feed as the chat service sees it. */
export function chatFeedOf(room: Room): ChatFeed {
  return { historyKey: chatHistoryKey(room), send: (text) => room.data.sendChat(text) };
}

/**
 * Connects rooms to the chat service: their `chat` frames, and when they open and empty (history retention). A
 * peer's `chat` channel carries its annotation ops too (`annotate` frames): those go to `annotations`.
 */
export function chatRoomEvents(chat: ChatService, annotations = new AnnotationService()): RoomEvents {
  // While the store is away every resent message fails again: logged about once a second, with how many failed.
  let notStored = { loggedAt: -Infinity, since: 0 };
  return {
    // No password is set yet when a room opens: only an open room's history can be in use again.
    opened: (room) => keepingCallsUp(room, () => chat.roomOpened(room.id)),
    closed: (room) =>
      keepingCallsUp(room, async () => {
        const closing = [chat.roomClosed(room.id)];
        if (room.password) closing.push(chat.roomClosed(chatHistoryKey(room)));
        await Promise.all(closing);
      }),
    // A room with a password keeps its history under its meeting, known once its first person here is in. In a
    // service the meeting may go on on another server after this one empties: its history is in use until all do.
    announced(room, notification) {
      if (notification.method === 'peerJoined' && room.password && room.peers.size === 1) {
        keepingCallsUp(room, () => chat.roomOpened(chatHistoryKey(room)));
      }
    },
    feedDrained(room) {
      keepingCallsUp(room, () => chat.resendNewest(chatFeedOf(room)));
      annotations.resendNewest(annotatedRoomOf(room));
    },
    dataMessage(room, { peer, label, payload, ppid }) {
      if (label !== 'chat') return;
      const isText = ppid === PPID_STRING || ppid === PPID_STRING_EMPTY;
      const annotate = annotateFrameOf(payload, isText, MAX_CHAT_FRAME_BYTES);
      if (annotate) {
        try {
          annotations.receive(annotatedRoomOf(room), peer, annotate);
        } catch (error) {
          // Nothing in it should throw; if it ever does, it costs that op, never the room (this runs in a worker event).
          log.error('annotation op failed', { room: room.id, peer: peer.id, error });
        }
        return;
      }
      chat.receive(chatFeedOf(room), peer, payload, isText).catch((error: unknown) => {
        // The store failed (a full disk, Redis away): the message is not acknowledged, so its sender keeps it and
        // sends it again.
        notStored.since++;
        const now = performance.now();
        if (now - notStored.loggedAt < 1000) return;
        log.error('chat message not stored', { room: room.id, peer: peer.id, messages: notStored.since, error });
        notStored = { loggedAt: now, since: 0 };
      });
    },
  };
}

/** A failing store (a full or broken disk, Redis away) costs history retention, never a room or a call. */
function keepingCallsUp(room: Room, task: () => Promise<unknown>): void {
  const failed = (error: unknown) => log.error('chat history bookkeeping failed', { room: room.id, error });
  try {
    task().catch(failed);
  } catch (error) {
    failed(error);
  }
}
