/* What a transfer's `error` says, in one place: each names what happened and what became of the file. */

export const DAMAGED = 'The file arrived damaged (SHA-256 did not match); it was not saved.';
export const INTERRUPTED = 'The download was interrupted when this page reloaded; the partial file was not saved. Ask for the file again.';
export const NO_SERVICE_WORKER = 'This browser cannot save received files here (no service worker: a private window or an old browser).';
export const DOWNLOAD_WOULD_NOT_START = 'The download could not start in this browser; the file was not received.';
export const STORAGE_FAILED = 'This device could not keep the received bytes (is its storage full?); the partial file was not saved.';
export const DOWNLOAD_FAILED = 'The download stopped (cancelled in the browser, or the disk is full); the partial file was not saved.';
export const ANSWER_LOST = 'The answer did not reach the sender; ask for the file again.';
