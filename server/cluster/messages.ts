import * as v from 'valibot';
import { chatMessageSchema, roomIdSchema } from '../../shared/protocol/index.ts';

/*
 * What servers tell each other over the bus (Redis pub/sub), one schema per kind. Every inbound message is checked
 * against these before anything reads it: another server may run another version, or something else may publish
 * on the channel. `from` is the sending server's id (a server ignores its own messages).
 */

const serverIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(200));

/** A history key is a room name, or a room name and its meeting's instance id (see chat/roomEvents.ts). */
const historyKeySchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}(\/[A-Za-z0-9_-]{1,64})?$/));

export const busMessageSchema = v.variant('kind', [
  /** A server started (sent once its heartbeat is registered). */
  v.object({ kind: v.literal('serverUp'), from: serverIdSchema, address: v.pipe(v.string(), v.maxLength(253)) }),
  /** A server is gone: it said so on stopping, or its heartbeats ran out (then `from` is whoever noticed first). */
  v.object({ kind: v.literal('serverDown'), from: serverIdSchema, serverId: serverIdSchema }),
  /** A chat message stored by `from` (it numbered it): servers hosting the room put it on their own room feed. */
  v.object({ kind: v.literal('chatMessage'), from: serverIdSchema, room: roomIdSchema, historyKey: historyKeySchema, message: chatMessageSchema }),
]);

export type BusMessage = v.InferOutput<typeof busMessageSchema>;
export type BusKind = BusMessage['kind'];
/** A message as it is published: the bus adds `from`. */
export type OutgoingBusMessage = BusMessage extends infer M ? (M extends BusMessage ? Omit<M, 'from'> : never) : never;
