import type * as v from 'valibot';
import * as annotations from './annotations.ts';
import * as chat from './chat.ts';
import * as files from './files.ts';
import * as media from './media.ts';
import * as session from './session.ts';

/** Every client → server request: its data schema and the schema of a successful reply's data. */
export const methods = {
  hello: session.hello,
  join: session.join,
  setCapabilities: session.setCapabilities,
  leave: session.leave,
  createInvite: session.createInvite,
  ping: session.ping,
  createTransport: media.createTransport,
  connectTransport: media.connectTransport,
  restartIce: media.restartIce,
  closeTransport: media.closeTransport,
  produce: media.produce,
  closeProducer: media.closeProducer,
  pauseProducer: media.pauseProducer,
  resumeProducer: media.resumeProducer,
  consume: media.consume,
  resumeConsumer: media.resumeConsumer,
  closeConsumer: media.closeConsumer,
  setConsumerView: media.setConsumerView,
  produceData: chat.produceData,
  consumeData: chat.consumeData,
  chatHistory: chat.chatHistory,
  fileOffer: files.fileOffer,
  fileAnswer: files.fileAnswer,
  fileAck: files.fileAck,
  fileResume: files.fileResume,
  fileCancel: files.fileCancel,
  fileDone: files.fileDone,
  fileVerified: files.fileVerified,
  openFileLink: files.openFileLink,
  closeFileLink: files.closeFileLink,
  annotationState: annotations.annotationState,
} as const;

export type Method = keyof typeof methods;
export type RequestData<M extends Method> = v.InferOutput<(typeof methods)[M]['request']>;
export type ResponseData<M extends Method> = v.InferOutput<(typeof methods)[M]['response']>;

export function isMethod(name: string): name is Method {
  return Object.hasOwn(methods, name);
}
