import { handleFileCall, offerFile } from '../../files/elsewhere.ts';
import { requireJoined, type HandlerTable } from '../context.ts';

type FileHandlers = Pick<
  HandlerTable,
  'fileOffer' | 'fileAnswer' | 'fileAck' | 'fileResume' | 'fileCancel' | 'fileDone' | 'fileVerified' | 'openFileLink' | 'closeFileLink'
>;

/*
 * File transfers: the room's registry checks that each message comes from a party of the transfer and relays it to
 * the other side. A transfer or link of someone else is "not found". The bytes never come here (see files/links.ts).
 * With several servers, a request about a transfer another server holds is answered by that one (files/elsewhere.ts).
 */

export const fileHandlers: FileHandlers = {
  async fileOffer({ session }, data) {
    const { room, peer } = requireJoined(session);
    const reply = await offerFile(room.files, peer, data);
    // After the reply: a sender offering again (back from a drop or a reload) learns how far each recipient got.
    setImmediate(() => room.files.remindSender(data.transferId));
    return reply;
  },

  async fileAnswer({ session }, data) {
    const { room, peer } = requireJoined(session);
    await handleFileCall(room.files, peer, { method: 'fileAnswer', data });
    return {};
  },

  async fileAck({ session }, data) {
    const { room, peer } = requireJoined(session);
    await handleFileCall(room.files, peer, { method: 'fileAck', data });
    return {};
  },

  async fileResume({ session }, data) {
    const { room, peer } = requireJoined(session);
    await handleFileCall(room.files, peer, { method: 'fileResume', data });
    return {};
  },

  async fileCancel({ session }, data) {
    const { room, peer } = requireJoined(session);
    await handleFileCall(room.files, peer, { method: 'fileCancel', data });
    return {};
  },

  async fileDone({ session }, data) {
    const { room, peer } = requireJoined(session);
    await handleFileCall(room.files, peer, { method: 'fileDone', data });
    return {};
  },

  async fileVerified({ session }, data) {
    const { room, peer } = requireJoined(session);
    await handleFileCall(room.files, peer, { method: 'fileVerified', data });
    return {};
  },

  async openFileLink({ session }, { audience }) {
    const { room, peer } = requireJoined(session);
    return { linkId: room.fileLinks.open(peer, audience) };
  },

  async closeFileLink({ session }, { linkId }) {
    const { room, peer } = requireJoined(session);
    await room.fileLinks.close(peer, linkId);
    return {};
  },
};
