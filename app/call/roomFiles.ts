import type { Notification, NotificationData } from '../../shared/protocol/index.ts';
import { fileSource } from '../files/fileSource.ts';
import { serviceWorkerDownloads } from '../files/download.ts';
import type { FileControl } from '../files/ports.ts';
import { isTransferNotification } from '../files/transferNotifications.ts';
import { FileTransfers } from '../files/transfers.ts';
import { createLogger } from '../log.ts';
import { setChatOpen } from '../models/chat.ts';
import { participants } from '../models/participants.ts';
import { receiveUnsupported, resetTransfers, sharedFiles, transferActions, transfers, type SendTarget } from '../models/transfers.ts';
import { SessionFileLinks } from '../net/fileLinks.ts';
import type { SfuSession } from '../net/sfu.ts';
import type { SignalingClient } from '../net/signaling.ts';
import { rememberRoom } from '../storage/sharedFiles.ts';
import { deviceTransferStore } from '../storage/transferStore.ts';

const log = createLogger('room-files');

const NO_SERVICE_WORKER =
  'Files sent to you cannot be saved in this browser mode (no service worker, as in a private window). You can still send files.';

/** Signaling requests, as the transfer engine's control port. */
function controlOver(signaling: SignalingClient): FileControl {
  return {
    offer: (data) => signaling.request('fileOffer', data),
    answer: async (data) => void (await signaling.request('fileAnswer', data)),
    ack: async (data) => void (await signaling.request('fileAck', data)),
    resume: async (data) => void (await signaling.request('fileResume', data)),
    cancel: async (data) => void (await signaling.request('fileCancel', data)),
    done: async (data) => void (await signaling.request('fileDone', data)),
    verified: async (data) => void (await signaling.request('fileVerified', data)),
  };
}

/**
 * A call's file transfers, wired: the engine bound to signaling (control), to each media session's file links
 * (bytes), to the service-worker downloads, and to the Transfers model the UI reads.
 */
export class RoomFiles {
  readonly #transfers: FileTransfers;
  readonly #signaling: SignalingClient;
  /** Kept transfers are back in the engine (a join before that would leave them out of its re-offers). */
  readonly #restored: Promise<void>;
  #supportTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #stopSharedWatch: () => void;
  #links: SessionFileLinks | undefined;
  #announcedEarly: NotificationData<'fileLinkOpened'>[] = [];

  constructor(room: string, signaling: SignalingClient) {
    this.#signaling = signaling;
    this.#watchReceiveSupport();
    this.#transfers = new FileTransfers({
      control: controlOver(signaling),
      downloads: this.#downloads,
      store: deviceTransferStore(),
      nameOf: (peerId) => participants.value.get(peerId)?.name ?? 'Someone',
      onChange: (views) => void (transfers.value = views),
    });
    transferActions.value = {
      send: (file, to) => this.#send(file, to),
      accept: (id) => this.#transfers.accept(id),
      decline: (id) => this.#transfers.decline(id),
      cancel: (id) => this.#transfers.cancel(id),
      provideFile: (id, file) =>
        this.#transfers.provideFile(id, fileSource(file)).then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        ),
    };
    this.#restored = this.#transfers.restore().catch((error: unknown) => log.warn('could not restore transfers', String(error)));
    void rememberRoom(room).catch(() => {});
    // Files shared into the app (now or before joining): the offer to send them is at the top of this panel.
    this.#stopSharedWatch = sharedFiles.subscribe((files) => {
      if (files.length > 0) setChatOpen(true);
    });
  }

  /** Handles a file notification; false for any other. */
  notification(notification: Notification): boolean {
    if (notification.method === 'fileLinkOpened') {
      // Announced while the media session is still being built: consumed once its links exist.
      if (this.#links) this.#links.linkOpened(notification.data);
      else this.#announcedEarly.push(notification.data);
    }
    else if (notification.method === 'fileLinkReady') {
      this.#links?.linkReady(notification.data);
      this.#transfers.linkConsumed(notification.data.peerId);
    }
    else if (isTransferNotification(notification)) this.#transfers.notification(notification.method, notification.data);
    else return false;
    return true;
  }

  /**
   * Joined or resumed, with the media session up: offer again what we were sending, ask again for what we were
   * receiving — once the links toward us are consumed, so that what a sender sends again reaches us.
   */
  joined(): void {
    void this.#restored.then(async () => {
      await this.#links?.settled();
      this.#transfers.joined();
    });
  }

  sessionStarted(sfu: SfuSession, myPeerId: string): void {
    this.sessionEnded();
    this.#links = new SessionFileLinks(sfu, this.#signaling, (data) => this.#transfers.frame(data));
    for (const announced of this.#announcedEarly.splice(0)) this.#links.linkOpened(announced);
    this.#transfers.sessionStarted(this.#links, myPeerId);
  }

  sessionEnded(): void {
    if (!this.#links) return;
    this.#transfers.sessionEnded();
    this.#links.close();
    this.#links = undefined;
  }

  close(): void {
    this.sessionEnded();
    clearTimeout(this.#supportTimer);
    navigator.serviceWorker?.removeEventListener('controllerchange', this.#supportChanged);
    this.#transfers.dispose();
    this.#stopSharedWatch();
    resetTransfers();
  }

  readonly #downloads = serviceWorkerDownloads();
  readonly #supportChanged = () => void (receiveUnsupported.value = this.#downloads.supported ? null : NO_SERVICE_WORKER);

  /**
   * On a first visit the service worker takes the page over a moment after it loads: say files cannot be received
   * only when none has after a few seconds (or there is no service worker at all), and take it back when one does.
   */
  #watchReceiveSupport(): void {
    if (!('serviceWorker' in navigator)) return this.#supportChanged();
    navigator.serviceWorker.addEventListener('controllerchange', this.#supportChanged);
    this.#supportTimer = setTimeout(this.#supportChanged, 5_000);
  }

  async #send(file: File, to: SendTarget): Promise<string | undefined> {
    const others = [...participants.value.values()].filter((person) => !person.isLocal && person.connected);
    const recipients = to.everyone ? others : others.filter((person) => person.id === to.peerId);
    if (recipients.length === 0) return to.everyone ? 'Nobody else is here yet' : 'That person is not connected right now';
    try {
      await this.#transfers.send(fileSource(file), recipients.map((person) => ({ peerId: person.id })), to.everyone);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

}
