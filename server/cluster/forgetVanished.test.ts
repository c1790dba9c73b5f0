import { describe, expect, test } from 'vitest';
import type { RoomDirectory, RoomHost } from './directory.ts';
import { forgetVanished } from './presenceRepair.ts';
import type { SharedRoom } from './sharedRoom.ts';

/*
 * The directory guard of a resync: a server missing from the room directory is forgotten (its people leave, its link
 * closes), but only when the directory is believable, i.e. it lists this server itself. A Redis that came back empty
 * lists nobody, and must not make this server drop everyone it was linked with.
 */

const SELF = 'server-self';

function room(linkedWith: string[]) {
  const gone: string[] = [];
  const shared = { room: { id: 'standup' }, otherServers: () => linkedWith, serverGone: (serverId: string) => gone.push(serverId) };
  return { shared: shared as unknown as SharedRoom, gone };
}

function directoryListing(serverIds: string[]): RoomDirectory {
  const hosts: RoomHost[] = serverIds.map((serverId) => ({ serverId, address: '127.0.0.1', peers: 1 }));
  return { hostsOf: async (roomId: string) => (roomId === 'standup' ? hosts : []) } as unknown as RoomDirectory;
}

describe('forgetting servers that left a room while the bus was away', () => {
  test('a directory that lists this server: the linked server it no longer lists is forgotten, the listed one kept', async () => {
    const { shared, gone } = room(['server-a', 'server-b']);
    await forgetVanished(shared, directoryListing([SELF, 'server-a']), SELF);
    expect(gone).toEqual(['server-b']);
  });

  test('a directory that came back empty (Redis restarted without its data) forgets nobody', async () => {
    const { shared, gone } = room(['server-a', 'server-b']);
    await forgetVanished(shared, directoryListing([]), SELF);
    expect(gone).toEqual([]);
  });

  test('a directory that lists others but not yet this server (it has not written itself in again) forgets nobody', async () => {
    const { shared, gone } = room(['server-a', 'server-b']);
    await forgetVanished(shared, directoryListing(['server-a']), SELF);
    expect(gone).toEqual([]);
  });
});
