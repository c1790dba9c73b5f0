import { requireJoined, type HandlerTable } from '../context.ts';

type AnnotationHandlers = Pick<HandlerTable, 'annotationState'>;

/* Ops travel on the data channel (server/annotations/); signaling only hands out the whole state. */

export const annotationHandlers: AnnotationHandlers = {
  async annotationState({ session }) {
    const { room } = requireJoined(session);
    return room.annotations.snapshot();
  },
};
