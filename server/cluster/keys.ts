/*
 * Every Redis key and channel the service uses, in one place (docs/scaling.md lists them). All start with
 * `huddle:`, so one Redis can be shared with other software. A room's or history's own name sits in {braces}: a
 * Redis Cluster keeps all of one room's keys in one slot, so its scripts may touch them together.
 */

const PREFIX = 'huddle';

export const keys = {
  /** Sorted set: live servers, scored by the Redis time (ms) their last heartbeat runs out at. */
  servers: `${PREFIX}:servers`,
  /** Hash: a server's description (address, started), expiring with its heartbeats. */
  server: (serverId: string) => `${PREFIX}:server:${serverId}`,
  /** Set: the rooms a server hosts (to clean the directory up after it dies). */
  serverRooms: (serverId: string) => `${PREFIX}:server:${serverId}:rooms`,
  /** Set: the chat histories a server keeps open (to start their retention after it dies). */
  serverHistories: (serverId: string) => `${PREFIX}:server:${serverId}:histories`,
  /** Hash: server id → how many people that server has in the room. */
  roomServers: (roomId: string) => `${PREFIX}:room:{${roomId}}:servers`,
  /**
   * Hash: the meeting running under a room's name, agreed by every server (`instanceId`; `salt` and `hash` of its
   * password, empty for an open room). Expires with its newest hold.
   */
  roomMeeting: (roomId: string) => `${PREFIX}:room:{${roomId}}:meeting`,
  /** Sorted set: the servers holding the room's meeting (people in it there), scored by when each hold runs out. */
  roomMeetingHolders: (roomId: string) => `${PREFIX}:room:{${roomId}}:meeting:servers`,
  /** Hash: wrong room passwords from one client address, or for one meeting (`failures`, `until`: no guess before). */
  guesses: (kind: 'address' | 'meeting', key: string) => `${PREFIX}:guesses:${kind}:{${key}}`,
  /** String: the secret invites are signed with when INVITE_SECRET is not set, the same on every server. */
  inviteSecret: `${PREFIX}:invite-secret`,
  /** String: the newest seq a chat history ever had; outlives its messages, so numbers are never reused. */
  chatSeq: (historyKey: string) => `${PREFIX}:chat:{${historyKey}}:seq`,
  /** Sorted set: the history's messages as JSON, scored by seq. */
  chatMessages: (historyKey: string) => `${PREFIX}:chat:{${historyKey}}:messages`,
  /** Hash: message id → seq, for deduplication. */
  chatIds: (historyKey: string) => `${PREFIX}:chat:{${historyKey}}:ids`,
  /** Set: the servers that have the history's room open now; empty → its retention runs. */
  chatOccupants: (historyKey: string) => `${PREFIX}:chat:{${historyKey}}:occupants`,
  /** String, expiring unless refreshed: the server holding a room's file transfer (where its sender last offered it). */
  fileTransfer: (roomId: string, transferId: string) => `${PREFIX}:files:{${roomId}}:${transferId}`,
  /** Sorted set: histories whose rooms are empty everywhere, scored by when they emptied (ms). */
  chatEmptied: `${PREFIX}:chat:emptied`,
} as const;

export const channels = {
  /** Every server: servers arriving and leaving. */
  service: `${PREFIX}:bus:service`,
  /** The servers hosting a room: its chat messages (and later its peers and media). */
  room: (roomId: string) => `${PREFIX}:bus:room:${roomId}`,
  /** One server: requests addressed to it (media pipes between servers, next). */
  server: (serverId: string) => `${PREFIX}:bus:server:${serverId}`,
} as const;
