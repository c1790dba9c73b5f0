import { Component } from 'preact';
import type { TransferPhase, TransferView } from '../../files/ports.ts';
import { transferActions } from '../../models/transfers.ts';
import { formatBytes, formatSpeed, formatTimeLeft } from './format.ts';

const PHASE_TEXT: Record<TransferPhase, string> = {
  offered: '',
  active: '',
  waiting: 'Interrupted: continues by itself when the connection is back',
  'needs-file': 'This page reloaded: pick the same file again to continue',
  verifying: 'Checking the file…',
  done: '',
  declined: 'Declined',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

/** One transfer: its name, who with, a progress bar named after the file, speed and time left, and what can be done. */
export class TransferItem extends Component<{ transfer: TransferView }> {
  override shouldComponentUpdate(next: { transfer: TransferView }): boolean {
    return next.transfer !== this.props.transfer;
  }

  override render({ transfer }: { transfer: TransferView }) {
    const { id, name, size, direction, phase, bytesDone } = transfer;
    const actions = transferActions.value;
    const finished = phase === 'done' || phase === 'declined' || phase === 'cancelled' || phase === 'failed';
    const percent = size === 0 ? (phase === 'done' ? 100 : 0) : Math.floor((bytesDone / size) * 100);
    return (
      <li class="transfer" data-phase={phase} data-direction={direction}>
        <div class="transfer-head">
          <span class="transfer-name">{name}</span>
          <span class="transfer-size">{formatBytes(size)}</span>
        </div>
        <span class="transfer-peer">{direction === 'in' ? `from ${transfer.peerLabel}` : `to ${transfer.peerLabel}`}</span>
        <progress
          aria-label={name}
          max={Math.max(size, 1)}
          value={size === 0 ? (phase === 'done' ? 1 : 0) : bytesDone}
          aria-valuetext={`${percent}% · ${formatBytes(bytesDone)} of ${formatBytes(size)}`}
        />
        <span class="transfer-status" aria-live="polite">
          {statusText(transfer, percent)}
        </span>
        {!finished && actions && (
          <div class="transfer-actions">
            {direction === 'in' && phase === 'offered' && (
              <>
                <button type="button" class="transfer-accept" onClick={() => actions.accept(id)}>
                  Accept
                </button>
                <button type="button" onClick={() => actions.decline(id)}>
                  Decline
                </button>
              </>
            )}
            {phase === 'needs-file' && <RepickButton id={id} name={name} />}
            {!(direction === 'in' && phase === 'offered') && (
              <button type="button" onClick={() => actions.cancel(id)}>
                Cancel
              </button>
            )}
          </div>
        )}
      </li>
    );
  }
}

function statusText(transfer: TransferView, percent: number): string {
  const { phase, direction, bytesPerSecond, secondsLeft, error } = transfer;
  if (error && phase !== 'active') return error; // a failure, or why a re-picked file was not the same
  if (phase === 'offered') return direction === 'in' ? 'Wants to send you this file' : 'Waiting for an answer';
  if (phase === 'done') return direction === 'in' ? 'Saved to your downloads · verified' : 'Sent · verified';
  if (phase !== 'active') return PHASE_TEXT[phase];
  const parts = [`${percent}%`];
  if (bytesPerSecond > 0) parts.push(formatSpeed(bytesPerSecond));
  if (secondsLeft !== undefined) parts.push(`${formatTimeLeft(secondsLeft)} left`);
  return parts.join(' · ');
}

/** Picks the file again after a reload (the browser forgets picked files); the app checks it is the same one. */
function RepickButton({ id, name }: { id: string; name: string }) {
  return (
    <label class="transfer-repick">
      Pick {name} again
      <input
        type="file"
        class="visually-hidden"
        onChange={(event) => {
          const file = event.currentTarget.files?.[0];
          event.currentTarget.value = '';
          if (file) void transferActions.value?.provideFile(id, file);
        }}
      />
    </label>
  );
}
