import { CallController } from '../call/controller.ts';
import type { InitialMedia } from '../media/constraints.ts';
import type { RoomAccess } from '../models/session.ts';

export { RoomView } from '../ui/room/RoomView.tsx';

/** Loaded on Join: starts the call for this room and name, with the tracks the join screen already holds. */
export async function startCall(room: string, name: string, initial: InitialMedia | null, access: RoomAccess): Promise<void> {
  await new CallController(room, name, access).start(initial);
}
