import type { Notification } from '../../shared/protocol/index.ts';
import { fileSource } from '../files/fileSource.ts';
import { createDownloads } from '../files/download.ts';
import type { FileControl } from '../files/ports.ts';
import { FileTransfers } from '../files/transfers.ts';
import { createLogger } from '../log.ts';
import { participants } from '../models/participants.ts';
import { receiveUnsupported, resetTransfers, sharedFiles, transferActions, transfers, type SendTarget } from '../models/transfers.ts';
import { SessionFileLinks } from '../net/fileLinks.ts';
import type { SfuSession } from '../net/sfu.ts';
import type { SignalingClient } from '../net/signaling.ts';
import { rememberRoom, takeSharedFiles } from '../storage/sharedFiles.ts';
import { transferStore } from '../storage/transferStore.ts';

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
  #links: SessionFileLinks | undefined;

  constructor(room: string, signaling: SignalingClient) {
    this.#signaling = signaling;
    const downloads = createDownloads();
    receiveUnsupported.value = downloads.supported ? null : NO_SERVICE_WORKER;
    this.#transfers = new FileTransfers({
      control: controlOver(signaling),
      downloads,
      store: transferStore(),
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
    void this.#transfers.restore().catch((error: unknown) => log.warn('could not restore transfers', String(error)));
    void rememberRoom(room).catch(() => {});
    void this.#takeShared();
  }

  /** Handles a file notification; false for any other. */
  notification(notification: Notification): boolean {
    switch (notification.method) {
      case 'fileLinkOpened':
        void this.#links?.linkOpened(notification.data);
        return true;
      case 'fileLinkReady':
        this.#links?.linkReady(notification.data);
        return true;
      case 'fileOffered':
      case 'fileAnswered':
      case 'fileAcked':
      case 'fileResumeFrom':
      case 'fileCancelled':
      case 'fileDone':
      case 'fileVerified':
        this.#transfers.notification(notification.method, notification.data as never);
        return true;
      default:
        return false;
    }
  }

  /** Joined or resumed: offer again what we were sending, ask again for what we were receiving. */
  joined(): void {
    this.#transfers.joined();
  }

  sessionStarted(sfu: SfuSession, myPeerId: string): void {
    this.sessionEnded();
    this.#links = new SessionFileLinks(sfu, this.#signaling, (data) => this.#transfers.frame(data));
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
    resetTransfers();
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

  /** Files shared into the app (share target) arrive as ?share=<id>: offer them for this room. */
  async #takeShared(): Promise<void> {
    const url = new URL(location.href);
    const id = url.searchParams.get('share');
    if (!id) return;
    url.searchParams.delete('share');
    history.replaceState(history.state, '', url);
    const files = await takeSharedFiles(id).catch(() => []);
    if (files.length) sharedFiles.value = files;
  }
}
