import { PPID_STRING, PPID_STRING_EMPTY } from '../sfu/dataChannels.ts';
import type { Room, RoomEvents } from '../sfu/room.ts';
import type { ChatFeed, ChatService } from './service.ts';

/** A room's chat feed as the chat service sees it. */
export function chatFeedOf(room: Room): ChatFeed {
  return { roomId: room.id, send: (text) => room.data.sendChat(text) };
}

/** Connects rooms to the chat service: their `chat` frames, and when they open and empty (history retention). */
export function chatRoomEvents(chat: ChatService): RoomEvents {
  return {
    opened: (room) => chat.roomOpened(room.id),
    closed: (room) => chat.roomClosed(room.id),
    dataMessage(room, { peer, label, payload, ppid }) {
      if (label !== 'chat') return;
      chat.receive(chatFeedOf(room), peer, payload, ppid === PPID_STRING || ppid === PPID_STRING_EMPTY);
    },
  };
}
