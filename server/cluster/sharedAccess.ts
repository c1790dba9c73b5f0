import { ProtocolError } from '../../shared/protocol/index.ts';
import type { Credentials, SharedMeetings } from '../access/admission.ts';
import type { Meeting } from '../access/invites.ts';
import type { PasswordGuard } from '../access/passwordGuard.ts';
import { createLogger } from '../log.ts';
import type { Room } from '../sfu/room.ts';
import type { MeetingStore, SharedMeeting } from './meetingStore.ts';
import type { RoomListener } from './roomListeners.ts';

const log = createLogger('cluster');

/**
 * A hold counts as ours until a tenth of its length before it could have run out in Redis (it runs from when Redis
 * renewed it, after we asked): past that, another server may already have been given the room's name for a new
 * meeting.
 */
const SAFETY_MARGIN = 0.1;

const UNREACHABLE = 'This server cannot check who may enter this room just now; trying again.';

/** This server's hold on the meeting a room of its is part of. */
type Hold = { meeting: SharedMeeting; validUntil: number; taken: boolean };

/** By room: the meeting each room open on this server holds across the service. */
const holds = new WeakMap<Room, Hold>();

/**
 * Whether the room is one meeting with the rooms of its name on the other servers, so their people may see each
 * other: it holds the meeting running in Redis, and its hold has certainly not run out (Redis unreachable for
 * longer). A room no SharedAccess settled (a service without it) is shared only without a password.
 */
export function joinsMeetingAcrossServers(room: Room): boolean {
  const hold = holds.get(room);
  if (!hold) return room.password === undefined;
  return !hold.taken && performance.now() < hold.validUntil;
}

/**
 * A room's access as one meeting across the servers of a service: before the first person is admitted to a room
 * on this server, it takes the meeting running under that name anywhere (instance id, password hash; see
 * MeetingStore), or makes it from that person's join. Every server with people in the meeting renews its hold;
 * the last one to empty ends it. Without Redis nobody new is admitted to a room not open here: whether it has a
 * password elsewhere cannot be known (joins to rooms open here go on, checked against the meeting held here).
 *
 * @example
 * const access = new SharedAccess(cluster.meetings);
 * roomListeners.push(access);
 * mountSignaling(app, { ...services, meetings: access });
 */
export class SharedAccess implements RoomListener, SharedMeetings {
  readonly #store: MeetingStore;
  readonly #leaseMs: number;
  /** Rooms open here that hold their meeting, by name. */
  readonly #held = new Map<string, Room>();
  readonly #settling = new WeakMap<Room, Promise<boolean>>();
  readonly #regainedListeners: ((room: Room) => void)[] = [];
  readonly #timer: NodeJS.Timeout;

  /** Renews its holds three times per hold (`store.leaseMs`): two renewals may fail before one runs out. */
  constructor(store: MeetingStore) {
    this.#store = store;
    this.#leaseMs = store.leaseMs;
    this.#timer = setInterval(() => void this.#renewAll(), this.#leaseMs / 3);
    this.#timer.unref();
  }

  settle(room: Room, credentials: Credentials, passwords: PasswordGuard): Promise<boolean> {
    const pending = this.#settling.get(room);
    // Someone else's join settles it: theirs made the meeting, this one is checked against it. If theirs failed
    // (their invite had ended, say), this one tries itself.
    if (pending) return pending.then(() => false, () => this.settle(room, credentials, passwords));
    const settling = this.#claim(room, credentials, passwords);
    this.#settling.set(room, settling);
    settling.catch(() => {
      if (this.#settling.get(room) === settling) this.#settling.delete(room);
    });
    return settling;
  }

  async find(roomId: string): Promise<Meeting | undefined> {
    const instanceId = await this.#reach(roomId, () => this.#store.find(roomId));
    return instanceId === undefined ? undefined : { id: roomId, instanceId };
  }

  /**
   * Runs when a room's hold, lapsed while Redis was out of reach, is renewed: the room is one meeting with the other
   * servers again, and should tell them who is here (what it said meanwhile was not heard).
   */
  onRegained(listener: (room: Room) => void): void {
    this.#regainedListeners.push(listener);
  }

  opened(): void {}

  /** The room's last person here left: this server lets go of the meeting (the last server to do so ends it). */
  closed(room: Room): void {
    if (this.#held.get(room.id) !== room) return;
    this.#held.delete(room.id);
    holds.delete(room);
    this.#store.release(room.id, room.instanceId).then(
      (ended) => log.debug(ended ? 'meeting ended' : 'meeting left; it goes on on other servers', { room: room.id }),
      (error: unknown) => log.warn('meeting not let go of in Redis; it ends by itself', { room: room.id, inMs: this.#leaseMs, error }),
    );
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #claim(room: Room, { password, invite }: Credentials, passwords: PasswordGuard): Promise<boolean> {
    // A room remade for its meeting (its worker died) proposes that meeting again: its people are on their way back.
    const inherited = room.password ? await room.password : undefined;
    const proposal = { instanceId: room.instanceId, password: inherited };
    // A password is only hashed when no meeting runs (a meeting that does brings its own).
    const proposes = inherited !== undefined || (password === undefined && invite === undefined);
    let askedAt = performance.now();
    let meeting = await this.#reach(room.id, () => this.#store.claim(room.id, proposes ? proposal : undefined));
    if (!meeting && invite !== undefined) {
      throw new ProtocolError('invite_expired', 'This meeting has ended, so its invite links no longer work. Ask for a new one.');
    }
    if (!meeting) {
      const hash = await passwords.hash(password!);
      askedAt = performance.now();
      meeting = await this.#reach(room.id, () => this.#store.claim(room.id, { instanceId: room.instanceId, password: hash }));
    }
    if (!meeting) throw new ProtocolError('unavailable', UNREACHABLE);
    if (room.closed) {
      this.#store.release(room.id, meeting.instanceId).catch(() => {});
      return false;
    }
    room.adoptMeeting(meeting);
    const { instanceId, password: hash } = meeting;
    holds.set(room, { meeting: { instanceId, password: hash }, validUntil: askedAt + this.#leaseMs * (1 - SAFETY_MARGIN), taken: false });
    this.#held.set(room.id, room);
    log.debug(meeting.made ? 'meeting made' : 'meeting running elsewhere joined', { room: room.id, locked: hash !== undefined });
    return meeting.made && hash !== undefined && inherited === undefined;
  }

  /** Keeps this server's holds; a meeting that ended meanwhile (Redis lost it) is written back. */
  async #renewAll(): Promise<void> {
    for (const [roomId, room] of this.#held) {
      const hold = holds.get(room);
      if (!hold || hold.taken) continue;
      const askedAt = performance.now();
      let result;
      try {
        result = await this.#store.renew(roomId, hold.meeting);
      } catch {
        // Redis is away: the hold lapses here as it does there; the next round renews it.
        return;
      }
      if (result === 'taken') {
        // Another meeting under this name was made while this hold lapsed: this room goes on as a meeting of its own.
        hold.taken = true;
        log.warn('meeting lost to another one of the same name while Redis was away; it goes on on this server alone', { room: roomId });
        continue;
      }
      const lapsed = performance.now() >= hold.validUntil;
      hold.validUntil = askedAt + this.#leaseMs * (1 - SAFETY_MARGIN);
      if (result === 'restored') log.info('meeting written back to Redis', { room: roomId });
      if (lapsed && !room.closed) for (const listener of this.#regainedListeners) listener(room);
    }
  }

  async #reach<T>(roomId: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      log.warn('meeting cannot be read from Redis; join refused for now', { room: roomId, error });
      throw new ProtocolError('unavailable', UNREACHABLE);
    }
  }
}
