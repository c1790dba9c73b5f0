import { useSignal } from '@preact/signals';
import { useRef } from 'preact/hooks';
import { participants } from '../../models/participants.ts';
import { receiveUnsupported, sharedFiles, transferActions, transfers, type SendTarget } from '../../models/transfers.ts';
import { formatBytes } from './format.ts';
import { TransferItem } from './TransferItem.tsx';
import './files.css';

const EVERYONE = '';

/**
 * Files, at the top of the chat panel: **Send file** (opens the picker, labelled **File to send**) with whom to
 * send to, files shared into the app waiting to be sent, and the list **Transfers**.
 */
export function FilesSection() {
  const list = transfers.value;
  return (
    <section class="files" aria-label="Files">
      <SendFileBar />
      <SharedFilesOffer />
      {receiveUnsupported.value && <p class="files-note">{receiveUnsupported.value}</p>}
      {list.length > 0 && (
        <ul class="transfers" aria-label="Transfers">
          {list.map((transfer) => (
            <TransferItem key={transfer.id} transfer={transfer} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SendFileBar() {
  const input = useRef<HTMLInputElement>(null);
  const to = useSignal(EVERYONE);
  const problem = useSignal<string | null>(null);
  const others = [...participants.value.values()].filter((person) => !person.isLocal);
  const chosen = to.value !== EVERYONE && !others.some((person) => person.id === to.value) ? EVERYONE : to.value;
  const actions = transferActions.value;

  async function send(files: readonly File[]): Promise<void> {
    if (!actions) return;
    const target: SendTarget = chosen === EVERYONE ? { everyone: true } : { everyone: false, peerId: chosen };
    for (const file of files) {
      const refused = await actions.send(file, target);
      problem.value = refused ?? null;
      if (refused) return;
    }
  }

  return (
    <div class="files-bar">
      <button
        type="button"
        class="files-send"
        disabled={!actions || others.length === 0}
        title={others.length === 0 ? 'Nobody else is here yet' : undefined}
        onClick={() => input.current?.click()}
      >
        Send file
      </button>
      <label class="files-to">
        <span>to</span>
        <select value={chosen} onChange={(event) => (to.value = event.currentTarget.value)} aria-label="Send to">
          <option value={EVERYONE}>Everyone</option>
          {others.map((person) => (
            <option key={person.id} value={person.id}>
              {person.name}
            </option>
          ))}
        </select>
      </label>
      <input
        ref={input}
        type="file"
        multiple
        class="visually-hidden"
        aria-label="File to send"
        tabIndex={-1}
        onChange={(event) => {
          const picked = [...(event.currentTarget.files ?? [])];
          event.currentTarget.value = ''; // the same file can be picked again
          void send(picked);
        }}
      />
      {problem.value && (
        <p class="files-note" role="alert">
          {problem.value}
        </p>
      )}
    </div>
  );
}

/** Files shared into the app from another app: offered for this room, never sent without a tap. */
function SharedFilesOffer() {
  const files = sharedFiles.value;
  const actions = transferActions.value;
  if (files.length === 0) return null;
  const names = files.map((file) => `${file.name} (${formatBytes(file.size)})`).join(', ');
  return (
    <div class="files-shared" role="group" aria-label="Shared with Huddle">
      <p>Send {names} to everyone in this room?</p>
      <button
        type="button"
        disabled={!actions}
        onClick={() => {
          sharedFiles.value = [];
          for (const file of files) void actions?.send(file, { everyone: true });
        }}
      >
        Send to everyone
      </button>
      <button type="button" onClick={() => (sharedFiles.value = [])}>
        Not now
      </button>
    </div>
  );
}
