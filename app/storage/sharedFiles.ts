import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/*
 * Files shared into the app from another app (the manifest's share_target), between the service worker that
 * receives the share and the page that offers to send them; and the room the person was last in, where the
 * worker sends them. Both the worker (sw/shareTarget.ts) and the page import this module. File objects are stored
 * as they are: the browser keeps their bytes on disk, not in memory.
 */

/** One share: the files another app handed over at once. */
export type SharedFiles = { id: string; files: File[]; sharedAt: number };

interface SharedDb extends DBSchema {
  shares: { key: string; value: SharedFiles };
  places: { key: string; value: { key: string; room: string } };
}

const DB_NAME = 'huddle-shared';
/** A share nobody took within a day is forgotten (its files were copies; the other app still has them). */
const SHARE_KEPT_MS = 24 * 60 * 60_000;
const LAST_ROOM = 'lastRoom';

let shared: Promise<IDBPDatabase<SharedDb>> | undefined;

function db(): Promise<IDBPDatabase<SharedDb>> {
  shared ??= openDB<SharedDb>(DB_NAME, 1, {
    upgrade(database) {
      database.createObjectStore('shares', { keyPath: 'id' });
      database.createObjectStore('places', { keyPath: 'key' });
    },
  });
  return shared;
}

/** Keeps the files of one share; resolves with its id. Shares older than a day are forgotten on the way. */
export async function putSharedFiles(files: File[], now = Date.now()): Promise<string> {
  const id = crypto.randomUUID();
  const tx = (await db()).transaction('shares', 'readwrite');
  for (const old of await tx.store.getAll()) if (now - old.sharedAt > SHARE_KEPT_MS) await tx.store.delete(old.id);
  await tx.store.put({ id, files, sharedAt: now });
  await tx.done;
  return id;
}

/** Every share not taken yet, oldest first. */
export async function listSharedFiles(): Promise<SharedFiles[]> {
  const shares = await (await db()).getAll('shares');
  return shares.sort((a, b) => a.sharedAt - b.sharedAt);
}

/** The files of a share, removed from the store (an empty list for an unknown or already taken id). */
export async function takeSharedFiles(id: string): Promise<File[]> {
  const tx = (await db()).transaction('shares', 'readwrite');
  const share = await tx.store.get(id);
  if (share) await tx.store.delete(id);
  await tx.done;
  return share?.files ?? [];
}

/** Forgets a share without taking it (the person dismissed it). */
export async function deleteSharedFiles(id: string): Promise<void> {
  await (await db()).delete('shares', id);
}

/** Remembers the room the person is in, so files shared into the app later land there. */
export async function rememberRoom(room: string): Promise<void> {
  await (await db()).put('places', { key: LAST_ROOM, room });
}

/** The room the person was last in, if any. */
export async function lastRoom(): Promise<string | undefined> {
  return (await (await db()).get('places', LAST_ROOM))?.room;
}
