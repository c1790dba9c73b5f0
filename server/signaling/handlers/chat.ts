import type { types } from 'mediasoup';
import { chatHistoryKey } from '../../chat/roomEvents.ts';
import { requireJoined, type HandlerTable } from '../context.ts';
import { ownTransport } from './media.ts';

type ChatHandlers = Pick<HandlerTable, 'produceData' | 'consumeData' | 'chatHistory'>;

/* Data channels follow the media rules: only the asking peer's own transports; another's id is "not found". */

export const chatHandlers: ChatHandlers = {
  async produceData({ session }, { transportId, label, sctpStreamParameters }) {
    const { room, peer } = requireJoined(session);
    const transport = ownTransport(peer, transportId);
    const dataProducer = await room.data.produce(peer, transport, {
      label,
      sctpStreamParameters: sctpStreamParameters as types.SctpStreamParameters,
    });
    return { dataProducerId: dataProducer.id };
  },

  async consumeData({ session }, { dataProducerId }) {
    const { room, peer } = requireJoined(session);
    const dataConsumer = await room.data.consume(peer, dataProducerId);
    return {
      dataConsumerId: dataConsumer.id,
      dataProducerId,
      label: dataConsumer.label,
      // Present on every consumer of a WebRtcTransport (SCTP); checked by room.data.consume.
      sctpStreamParameters: dataConsumer.sctpStreamParameters!,
    };
  },

  async chatHistory({ session, services }, { afterSeq, limit }) {
    const { room } = requireJoined(session);
    return services.chat.history(chatHistoryKey(room), afterSeq, limit);
  },
};
