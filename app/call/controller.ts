import { roomPath } from '../../shared/links.ts';
import { ProtocolError, type ResponseData } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { InitialMedia } from '../media/constraints.ts';
import { camOn, controls, micOn } from '../models/localMedia.ts';
import { forgetConnectionQuality } from '../models/connectionQuality.ts';
import { clearParticipants, participants, upsertParticipant } from '../models/participants.ts';
import { connection, joinError, notice, phase, roomLocked, roomName, type RoomAccess } from '../models/session.ts';
import { backoffDelay } from '../net/backoff.ts';
import { SfuSession } from '../net/sfu.ts';
import { SignalingClient, type SignalingState } from '../net/signaling.ts';
import { forgetCall, loadSavedCall, saveCall } from '../storage/savedCall.ts';
import { LocalMedia, SELF_ID } from './localMedia.ts';
import { RemoteMedia } from './remoteMedia.ts';
import { RoomAnnotations } from './roomAnnotations.ts';
import { RoomChat } from './roomChat.ts';
import { RoomFiles } from './roomFiles.ts';
import { applyRoomNotification, removePeer } from './roomNotifications.ts';
import { RoomRecording } from './roomRecording.ts';
import { createSerialQueue } from './serialQueue.ts';
import { TileViewReporter } from './tileViewReporter.ts';
import { holdWakeLock } from './wakeLock.ts';

const log = createLogger('call');

/**
 * Join errors that retrying cannot fix: back to the join screen with the server's words. (`rate_limited` is fatal
 * only for a first join: someone coming back into their call is retried, see #retryJoinLater.)
 */
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
  readonly #remote = new RemoteMedia(() => this.#tileViews?.changed());
  #tileViews: TileViewReporter | undefined;
  readonly #enqueue = createSerialQueue();
  readonly #chat: RoomChat;
  readonly #annotations: RoomAnnotations;
  readonly #files: RoomFiles;
  readonly #recording: RoomRecording;
  #sfu: SfuSession | undefined;
  #identity: { peerId: string; token: string } | undefined;
  /** Settles with the first join reply: until then whether the room has a password (and so needs an invite) is unknown. */
  #markJoined: () => void = () => {};
  readonly #joinedOnce = new Promise<void>((resolve) => (this.#markJoined = resolve));
  /** What the person chose to join with, when a reload's resume goes ahead of asking for it. */
  #mediaAfterResume: { initial: InitialMedia | null } | undefined;
  #failedAttempts = 0;
  #rejoinAttempts = 0;
  #rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  #releaseWakeLock: (() => void) | undefined;
  #onOnline = () => this.#signaling.reconnectNow();
  #onPageHide = () => this.#sayGoodbye();

  constructor(room: string, name: string, access: RoomAccess) {
    this.#room = room;
    this.#name = name;
    this.#access = access;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.#signaling = new SignalingClient(`${scheme}//${location.host}/ws`, {
      ready: () => {
        clearTimeout(this.#rejoinTimer); // a new connection joins by itself
        void this.#enqueue(() => this.#join());
      },
      state: (state) => this.#onSignalingState(state),
      notification: (notification) => {
        // Acks need nothing from the media session: no waiting behind a join in the queue.
        if (notification.method === 'chatAck') return this.#chat.acknowledged(notification.data.id, notification.data.seq);
        if (this.#files.notification(notification)) return; // file acks flow many a second: never behind a join
        void this.#enqueue(async () => applyRoomNotification(notification, this.#remote, this.#identity?.peerId));
      },
      fatal: (error) => this.#fail(error.message),
    });
    this.#local = new LocalMedia(this.#signaling, this.#enqueue);
    this.#annotations = new RoomAnnotations({ fetchState: () => this.#signaling.request('annotationState', {}) });
    this.#chat = new RoomChat(room, name, this.#signaling, this.#annotations); // annotations ride the chat channel
    this.#files = new RoomFiles(room, this.#signaling);
    this.#recording = new RoomRecording(room);
    // This tab was in this call before a reload: come back as the same peer.
    const saved = loadSavedCall();
    if (saved?.room === room && saved.name === name) this.#identity = { peerId: saved.peerId, token: saved.token };
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
    this.#recording.open();
    this.#tileViews = new TileViewReporter(this.#signaling, () => this.#remote.receivedVideo());
    window.addEventListener('online', this.#onOnline);
    window.addEventListener('pagehide', this.#onPageHide);
    this.#releaseWakeLock = holdWakeLock();
    if (this.#identity) {
      // Back after a reload: the server holds our peer only a few seconds after a goodbye, and a phone may ask for
      // the camera again, so resume first and take the camera and microphone after (#takeMediaAfterResume).
      this.#mediaAfterResume = { initial };
      this.#signaling.connect();
      return;
    }
    // The permission prompt and the connection overlap; the join waits in the queue until media is settled.
    const acquired = this.#enqueue(() => this.#local.acquireInitial(initial));
    this.#signaling.connect();
    await acquired;
  }

  async leave(): Promise<void> {
    if (this.#signaling.closed) return;
    forgetCall();
    await this.#signaling.request('leave', {}, 1_500).catch(() => {});
    this.#teardown();
    phase.value = 'lobby';
  }

  /** The link to hand out: the room's address, plus a signed invite when the room has a password. */
  async #inviteLink(): Promise<string> {
    const base = `${location.origin}${roomPath(this.#room)}`;
    // "Connected" shows once the socket opens, before the join reply says whether the room is locked: a tap on Share
    // that early must not hand out a link without the invite that a locked room needs.
    await Promise.race([this.#joinedOnce, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (!roomLocked.value) return base;
    const { invite } = await this.#signaling.request('createInvite', {});
    return `${base}?invite=${encodeURIComponent(invite)}`;
  }

  async #join(): Promise<void> {
    if (this.#signaling.closed) return;
    // Without a live media session (a reloaded page, or one whose setup failed) the server must drop the old one.
    const freshMedia = !this.#sfu || this.#sfu.closed;
    let reply: ResponseData<'join'>;
    try {
      reply = await this.#signaling.request('join', {
        room: this.#room,
        name: this.#name,
        ...this.#access,
        ...(this.#identity ? { resume: { ...this.#identity, freshMedia } } : {}),
      });
    } catch (error) {
      const code = error instanceof ProtocolError ? error.code : undefined;
      if (code === 'rate_limited' && this.#identity) return this.#retryJoinLater();
      // The service cannot vouch for the room just now (its Redis is away): ask again, at a pace the join limit allows.
      if (code === 'unavailable') return this.#retryJoinLater(10_000);
      if (code && FATAL_JOIN_CODES.has(code)) return this.#fail((error as ProtocolError).message);
      // A dropped socket brings a new `ready` by itself; anything else (a server hiccup) gets a fresh connection.
      if (code !== 'disconnected') this.#signaling.reconnectNow();
      return;
    }
    this.#rejoinAttempts = 0;
    connection.value = 'connected'; // it said 'reconnecting' while a refused join waited to be tried again
    this.#identity = { peerId: reply.peerId, token: reply.resumeToken };
    this.#save();
    roomLocked.value = reply.locked;
    this.#markJoined();
    this.#syncPeers(reply.peers);
    // History first (it needs only signaling); the outbox goes on the session's chat channel once it is open.
    this.#chat.joined(reply.peerId, reply.chat);
    this.#annotations.joined(reply.peerId);
    if (reply.resumed && this.#sfu && !this.#sfu.closed) {
      this.#remote.reconcile(reply.peers);
      await Promise.all([this.#sfu.refreshIce(reply.iceServers), this.#local.resync()]);
    } else {
      await this.#startSession(reply);
    }
    this.#files.joined(); // after the media session: file links ride on it
    phase.value = 'in-call';
    await this.#takeMediaAfterResume();
  }

  async #takeMediaAfterResume(): Promise<void> {
    const pending = this.#mediaAfterResume;
    if (!pending) return;
    this.#mediaAfterResume = undefined;
    await this.#local.acquireInitial(pending.initial);
    await this.#local.publishNew();
  }

  /** A new server-side peer: build transports, publish local tracks, receive everyone. */
  async #startSession(reply: ResponseData<'join'>): Promise<void> {
    this.#chat.sessionEnded();
    this.#files.sessionEnded();
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
    this.#chat.sessionStarted(sfu, reply.chat.dataProducerId);
    this.#files.sessionStarted(sfu, reply.peerId);
    this.#remote.attach(sfu);
    // Receiving does not wait for publishing: they use different transports, and the first remote frame came
    // ~110 ms later at p50 when consumes waited behind our own produces (npm run bench:join).
    this.#remote.reconcile(reply.peers);
    await this.#local.publishAll(sfu);
  }

  #syncPeers(peers: ResponseData<'join'>['peers']): void {
    const present = new Set(peers.map((peer) => peer.id));
    for (const id of participants.value.keys()) if (id !== SELF_ID && !present.has(id)) removePeer(this.#remote, id);
    for (const peer of peers) upsertParticipant(peer.id, { name: peer.name, connected: peer.connected });
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

  /**
   * A join refused for now: someone coming back into their call was refused for joining too often (they are still in
   * the call as far as they know), or the service could not vouch for the room. Try again later on the same
   * connection rather than end it.
   */
  #retryJoinLater(capMs = 30_000): void {
    clearTimeout(this.#rejoinTimer);
    const delay = backoffDelay(this.#rejoinAttempts++, 2_000, capMs);
    log.warn('join refused for now; trying again', { delay });
    connection.value = 'reconnecting';
    this.#rejoinTimer = setTimeout(() => void this.#enqueue(() => this.#join()), delay);
  }

  /** Remembers the call in this tab (identity, camera and microphone), for a reload. */
  #save(): void {
    if (!this.#identity) return;
    saveCall({ room: this.#room, name: this.#name, ...this.#identity, micOn: micOn.value, camOn: camOn.value });
  }

  /**
   * The page is closing or reloading: tell the server, so our peer waits only a few seconds for a resume (a
   * reload comes back well within them) instead of lingering as a ghost for the whole grace period.
   */
  #sayGoodbye(): void {
    if (!this.#identity || this.#signaling.closed) return;
    this.#save();
    const { peerId, token } = this.#identity;
    navigator.sendBeacon?.('/api/goodbye', JSON.stringify({ room: this.#room, peerId, token }));
  }

  #fail(message: string): void {
    forgetCall();
    this.#teardown();
    joinError.value = message;
    phase.value = 'lobby';
  }

  #teardown(): void {
    this.#signaling.close();
    this.#chat.close();
    this.#annotations.close();
    this.#files.close();
    void this.#recording.close();
    this.#sfu?.close();
    this.#sfu = undefined;
    this.#remote.reset();
    this.#local.close();
    clearParticipants();
    forgetConnectionQuality();
    this.#tileViews?.close();
    this.#tileViews = undefined;
    controls.value = null;
    window.removeEventListener('online', this.#onOnline);
    window.removeEventListener('pagehide', this.#onPageHide);
    clearTimeout(this.#rejoinTimer);
    this.#releaseWakeLock?.();
  }
}
