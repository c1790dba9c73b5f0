import { applyUpdate, updateWaiting } from '../models/appUpdate.ts';

/** A new version is ready: says so and switches on a tap (never by itself, so no call is cut short). */
export function UpdateToast() {
  if (!updateWaiting.value) return null;
  return (
    <div class="toast" role="status">
      <span>A new version of Huddle is ready.</span>
      <button type="button" class="chip" onClick={applyUpdate}>
        Reload to update
      </button>
    </div>
  );
}
