import { CallController } from '../call/controller.ts';

export { RoomView } from '../ui/room/RoomView.tsx';

/** Loaded on Join: starts the call for this room and name. */
export async function startCall(room: string, name: string): Promise<void> {
  await new CallController(room, name).start();
}
