import type { types } from 'mediasoup';
import { ProtocolError } from '../../../shared/protocol/index.ts';
import { chatHistoryKey } from '../../chat/roomEvents.ts';
import { requireJoined, type HandlerTable } from '../context.ts';
import { ownTransport } from './media.ts';

type ChatHandlers = Pick<HandlerTable, 'produceData' | 'consumeData' | 'chatHistory'>;

/* Data channels follow the media rules: only the asking peer's own transports; another's id is "not found". */

export const chatHandlers: ChatHandlers = {
  async produceData({ session }, { transportId, label, sctpStreamParameters, linkId }) {
    const { room, peer } = requireJoined(session);
    const transport = ownTransport(peer, transportId);
    const parameters = sctpStreamParameters as types.SctpStreamParameters;
    if (label === 'chat') {
      const dataProducer = await room.data.produce(peer, transport, { label, sctpStreamParameters: parameters });
      return { dataProducerId: dataProducer.id };
    }
    if (transport.appData.direction !== 'send') throw new ProtocolError('bad_request', 'Produce data on the send transport');
    if (!transport.sctpParameters) throw new ProtocolError('bad_state', 'This transport has no SCTP association');
    const dataProducer = await room.fileLinks.produce(peer, transport, linkId, parameters);
    return { dataProducerId: dataProducer.id };
  },

  async consumeData({ session }, { dataProducerId }) {
    const { room, peer } = requireJoined(session);
    const dataConsumer = room.fileLinks.has(dataProducerId)
      ? await room.fileLinks.consume(peer, dataProducerId)
      : await room.data.consume(peer, dataProducerId);
    return {
      dataConsumerId: dataConsumer.id,
      dataProducerId,
      label: dataConsumer.label,
      // Present on every consumer of a WebRtcTransport (SCTP); checked before consuming.
      sctpStreamParameters: dataConsumer.sctpStreamParameters!,
    };
  },

  async chatHistory({ session, services }, { afterSeq, limit }) {
    const { room } = requireJoined(session);
    return services.chat.history(chatHistoryKey(room), afterSeq, limit);
  },
};
