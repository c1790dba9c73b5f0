import { roomPath } from '../../shared/links.ts';
import { ProtocolError, type Notification, type ResponseData } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { InitialMedia } from '../media/constraints.ts';
import { controls } from '../models/localMedia.ts';
import { clearParticipants, participants, removeParticipant, upsertParticipant } from '../models/participants.ts';
import { connection, joinError, notice, phase, roomLocked, roomName, type RoomAccess } from '../models/session.ts';
import { SfuSession } from '../net/sfu.ts';
import { SignalingClient, type SignalingState } from '../net/signaling.ts';
import { LocalMedia, SELF_ID } from './localMedia.ts';
import { RemoteMedia } from './remoteMedia.ts';
import { createSerialQueue } from './serialQueue.ts';
import { holdWakeLock } from './wakeLock.ts';

const log = createLogger('call');

/** Join errors that retrying cannot fix: back to the join screen with the server's words. */
const FATAL_JOIN_CODES = new Set([
  'room_full',
  'bad_request',
  'unsupported_version',
  'rate_limited',
  'password_required',
  'wrong_password',
  'invite_invalid',
  'invite_expired',
]);

/** After this many failed first attempts, tell the person the server cannot be reached (we keep trying). */
const UNREACHABLE_AFTER_ATTEMPTS = 2;

/**
 * Runs one call: connects signaling, joins, builds the SFU session, and keeps it alive across socket drops — a
 * resume keeps the server-side peer (media never stopped), a fresh join rebuilds everything from the local tracks.
 */
export class CallController {
  readonly #room: string;
  readonly #name: string;
  readonly #access: RoomAccess;
  readonly #signaling: SignalingClient;
  readonly #local: LocalMedia;
  readonly #remote = new RemoteMedia();
  readonly #enqueue = createSerialQueue();
  #sfu: SfuSession | undefined;
  #identity: { peerId: string; token: string } | undefined;
  #failedAttempts = 0;
  #releaseWakeLock: (() => void) | undefined;
  #onOnline = () => this.#signaling.reconnectNow();

  constructor(room: string, name: string, access: RoomAccess) {
    this.#room = room;
    this.#name = name;
    this.#access = access;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.#signaling = new SignalingClient(`${scheme}//${location.host}/ws`, {
      ready: () => void this.#enqueue(() => this.#join()),
      state: (state) => this.#onSignalingState(state),
      notification: (notification) => void this.#enqueue(async () => this.#onNotification(notification)),
      fatal: (error) => this.#fail(error.message),
    });
    this.#local = new LocalMedia(this.#signaling, this.#enqueue);
  }

  /** Starts the call; resolves once media is settled and the connection is on its way. */
  async start(initial: InitialMedia | null): Promise<void> {
    roomName.value = this.#room;
    joinError.value = null;
    notice.value = null;
    phase.value = 'joining';
    upsertParticipant(SELF_ID, { name: this.#name, isLocal: true });
    controls.value = {
      toggleMic: () => this.#enqueue(() => this.#local.toggleMic()),
      toggleCam: () => this.#enqueue(() => this.#local.toggleCam()),
      toggleScreen: () => this.#enqueue(() => this.#local.toggleScreen()),
      leave: () => this.leave(),
      inviteLink: () => this.#inviteLink(),
    };
    window.addEventListener('online', this.#onOnline);
    this.#releaseWakeLock = holdWakeLock();
    // The permission prompt and the connection overlap; the join waits in the queue until media is settled.
    const acquired = this.#enqueue(() => this.#local.acquireInitial(initial));
    this.#signaling.connect();
    await acquired;
  }

  async leave(): Promise<void> {
    if (this.#signaling.closed) return;
    await this.#signaling.request('leave', {}, 1_500).catch(() => {});
    this.#teardown();
    phase.value = 'lobby';
  }

  /** The link to hand out: the room's address, plus a signed invite when the room has a password. */
  async #inviteLink(): Promise<string> {
    const base = `${location.origin}${roomPath(this.#room)}`;
    if (!roomLocked.value) return base;
    const { invite } = await this.#signaling.request('createInvite', {});
    return `${base}?invite=${encodeURIComponent(invite)}`;
  }

  async #join(): Promise<void> {
    let reply: ResponseData<'join'>;
    try {
      reply = await this.#signaling.request('join', {
        room: this.#room,
        name: this.#name,
        ...this.#access,
        ...(this.#identity ? { resume: this.#identity } : {}),
      });
    } catch (error) {
      if (error instanceof ProtocolError && FATAL_JOIN_CODES.has(error.code)) return this.#fail(error.message);
      // A dropped socket brings a new `ready` by itself; anything else (a server hiccup) gets a fresh connection.
      if (!(error instanceof ProtocolError && error.code === 'disconnected')) this.#signaling.reconnectNow();
      return;
    }
    this.#identity = { peerId: reply.peerId, token: reply.resumeToken };
    roomLocked.value = reply.locked;
    this.#syncPeers(reply.peers);
    if (reply.resumed && this.#sfu && !this.#sfu.closed) {
      this.#remote.reconcile(reply.peers);
      await Promise.all([this.#sfu.refreshIce(reply.iceServers), this.#local.resync()]);
    } else {
      await this.#startSession(reply);
    }
    phase.value = 'in-call';
  }

  /** A new server-side peer: build transports, publish local tracks, receive everyone. */
  async #startSession(reply: ResponseData<'join'>): Promise<void> {
    this.#sfu?.close();
    this.#remote.reset();
    this.#sfu = undefined;
    let sfu: SfuSession;
    try {
      sfu = await SfuSession.start(this.#signaling, reply, (direction, state) => {
        if (state === 'failed') log.warn('media transport failed; restarting ICE', { direction });
      });
    } catch (error) {
      log.warn('could not set up media; will retry on reconnect', String(error));
      this.#signaling.reconnectNow();
      return;
    }
    if (this.#signaling.closed) return sfu.close(); // left while it was being built
    this.#sfu = sfu;
    this.#remote.attach(sfu);
    await this.#local.publishAll(sfu);
    this.#remote.reconcile(reply.peers);
  }

  #syncPeers(peers: ResponseData<'join'>['peers']): void {
    const present = new Set(peers.map((peer) => peer.id));
    for (const id of participants.value.keys()) if (id !== SELF_ID && !present.has(id)) this.#removePeer(id);
    for (const peer of peers) upsertParticipant(peer.id, { name: peer.name, connected: peer.connected });
  }

  #onNotification(notification: Notification): void {
    switch (notification.method) {
      case 'peerJoined':
        upsertParticipant(notification.data.peer.id, { name: notification.data.peer.name, connected: true });
        for (const publication of notification.data.peer.publications) void this.#remote.consume(publication.id);
        break;
      case 'peerLeft':
        this.#removePeer(notification.data.peerId);
        break;
      case 'peerConnectionChanged':
        upsertParticipant(notification.data.peerId, { connected: notification.data.connected });
        break;
      case 'producerAdded':
        void this.#remote.consume(notification.data.publication.id);
        break;
      case 'producerClosed':
        this.#remote.closeProducer(notification.data.producerId);
        break;
      case 'producerPausedChanged':
        this.#remote.setProducerPaused(notification.data.peerId, notification.data.producerId, notification.data.paused);
        break;
      case 'consumerClosed':
        this.#remote.closeConsumer(notification.data.consumerId);
        break;
    }
  }

  #removePeer(peerId: string): void {
    this.#remote.removePeer(peerId);
    removeParticipant(peerId);
  }

  #onSignalingState(state: SignalingState): void {
    if (state === 'open') {
      this.#failedAttempts = 0;
      connection.value = 'connected';
    } else if (state === 'reconnecting') {
      connection.value = 'reconnecting';
    } else if (state === 'connecting') {
      this.#failedAttempts++;
      connection.value = this.#failedAttempts > UNREACHABLE_AFTER_ATTEMPTS ? 'unreachable' : 'connecting';
    }
  }

  #fail(message: string): void {
    this.#teardown();
    joinError.value = message;
    phase.value = 'lobby';
  }

  #teardown(): void {
    this.#signaling.close();
    this.#sfu?.close();
    this.#sfu = undefined;
    this.#remote.reset();
    this.#local.close();
    clearParticipants();
    controls.value = null;
    window.removeEventListener('online', this.#onOnline);
    this.#releaseWakeLock?.();
  }
}
