/// <reference lib="webworker" />
import * as v from 'valibot';
import { registerRoute } from 'workbox-routing';
import { lastRoom, putSharedFiles } from '../app/storage/sharedFiles.ts';
import { roomPath } from '../shared/links.ts';
import { roomIdSchema } from '../shared/protocol/primitives.ts';

/*
 * The manifest's share_target (vite.config.ts): a phone's share sheet POSTs the files to /share as
 * multipart/form-data. The worker keeps them (app/storage/sharedFiles.ts) and sends the person on to the room they
 * were last in with ?share=<id>, where the app offers to send them.
 */

/** The share_target's action and its files field, as the manifest declares them. */
export const SHARE_ACTION = '/share';
export const SHARE_FILES_FIELD = 'files';

/** Where the person goes after sharing: their last room, or the start page, with the share's id if files came. */
export async function shareRedirect(shareId: string | undefined): Promise<string> {
  const room = await lastRoom().catch(() => undefined);
  const path = room !== undefined && v.is(roomIdSchema, room) ? roomPath(room) : '/';
  return shareId === undefined ? path : `${path}?share=${encodeURIComponent(shareId)}`;
}

async function receiveShare(request: Request): Promise<Response> {
  let files: File[];
  try {
    files = (await request.formData()).getAll(SHARE_FILES_FIELD).filter((entry): entry is File => entry instanceof File);
  } catch {
    return new Response('A share is multipart/form-data', { status: 400 });
  }
  // A share without files (a text or a link) has nothing to send: open the app as it was.
  const id = files.length > 0 ? await putSharedFiles(files) : undefined;
  return Response.redirect(new URL(await shareRedirect(id), request.url).href, 303);
}

/** Handles POST /share in this worker. */
export function installShareTarget(): void {
  registerRoute(({ url, sameOrigin }) => sameOrigin && url.pathname === SHARE_ACTION, ({ request }) => receiveShare(request), 'POST');
}
