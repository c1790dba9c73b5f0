import type { Notification } from '../../shared/protocol/index.ts';
import type { Room, RoomEvents } from '../sfu/room.ts';

/** Something that follows rooms opening and closing on this server. */
export type RoomListener = {
  opened(room: Room): void;
  closed(room: Room): void;
  /** What a room told its people about its people (see RoomEvents). */
  announced?(room: Room, notification: Notification): void;
};

/** `events`, with `listeners` told of every room that opens or closes here, after `events` was. */
export function withRoomListeners(events: RoomEvents, listeners: RoomListener[]): RoomEvents {
  return {
    ...events,
    opened(room) {
      events.opened(room);
      for (const listener of listeners) listener.opened(room);
    },
    closed(room) {
      events.closed(room);
      for (const listener of listeners) listener.closed(room);
    },
    announced(room, notification) {
      events.announced?.(room, notification);
      for (const listener of listeners) listener.announced?.(room, notification);
    },
  };
}
