import { useSignal } from '@preact/signals';
import { recentlyDeleted, recordingLibrary, recordings, recordingsOpen } from '../../models/recording.ts';
import type { RecordingMeta } from '../../recording/ports.ts';
import { formatBytes } from '../files/format.ts';
import { formatClock, formatWhen } from './format.ts';
import './recording.css';

/**
 * The recordings kept on this device (the list **Recordings**): when each began, how long it is, its size, and
 * **Download** and **Delete**. Recordings recovered after a crash or a reload say so.
 */
export function RecordingsPanel() {
  if (!recordingsOpen.value) return null;
  const list = recordings.value;
  return (
    <section id="recordings-panel" class="recordings" aria-labelledby="recordings-title" onKeyDown={(event) => event.key === 'Escape' && (recordingsOpen.value = false)}>
      <header class="recordings-head">
        <h2 id="recordings-title">Recordings</h2>
        <button type="button" class="chip" onClick={() => (recordingsOpen.value = false)}>
          Close
        </button>
      </header>
      <p class="recordings-note">Kept on this device only. Nothing is uploaded.</p>
      {list.length === 0 && <p class="recordings-empty">No recordings yet.</p>}
      <ul class="recordings-list" aria-label="Recordings">
        {list.map((recording) => (
          <RecordingItem key={recording.id} recording={recording} />
        ))}
      </ul>
      <UndoDelete />
    </section>
  );
}

/** "Today 19:30 · 0:12 · 2.4 MB" */
export function describeRecording(recording: RecordingMeta): string {
  return `${formatWhen(recording.startedAt)} · ${formatClock(recording.durationMs)} · ${formatBytes(recording.bytes)}`;
}

function RecordingItem({ recording }: { recording: RecordingMeta }) {
  const problem = useSignal<string | null>(null);
  const saving = useSignal(false);
  const library = recordingLibrary.value;
  const live = recording.state === 'recording';
  const title = describeRecording(recording);

  async function download(): Promise<void> {
    if (!library) return;
    saving.value = true;
    problem.value = (await library.download(recording.id)) ?? null;
    setTimeout(() => (saving.value = false), 1500);
  }

  return (
    <li class="recording" data-state={recording.state}>
      <div class="recording-head">
        <span class="recording-title">{title}</span>
        {recording.state === 'recovered' && <span class="recording-badge">Recovered</span>}
        {live && <span class="recording-badge live">Recording…</span>}
      </div>
      <span class="recording-room">{recording.room}</span>
      {recording.state === 'recovered' && (
        <span class="recording-hint">Interrupted before it was stopped; saved up to its last second.</span>
      )}
      {saving.value && !problem.value && <span class="recording-hint" role="status">Saving to your downloads…</span>}
      {problem.value && (
        <span class="recording-problem" role="alert">
          {problem.value}
        </span>
      )}
      <div class="recording-actions">
        <button type="button" class="recording-download" disabled={!library || live || saving.value} title={live ? 'Stop recording to save it' : undefined} onClick={() => void download()}>
          Download
        </button>
        <button type="button" disabled={!library || live} onClick={() => library?.delete(recording.id)}>
          Delete
        </button>
      </div>
    </li>
  );
}

function UndoDelete() {
  const deleted = recentlyDeleted.value;
  if (!deleted) return null;
  return (
    <div class="recordings-undo" role="status">
      <span>Deleted the recording of {deleted.title}.</span>
      <button type="button" class="chip" onClick={() => recordingLibrary.value?.undoDelete()}>
        Undo
      </button>
    </div>
  );
}
