import type { HandlerTable } from '../context.ts';
import { annotationHandlers } from './annotations.ts';
import { chatHandlers } from './chat.ts';
import { fileHandlers } from './files.ts';
import { mediaHandlers } from './media.ts';
import { sessionHandlers } from './session.ts';

/** Every protocol method → its handler. The type makes a missing method a compile error. */
export const handlers: HandlerTable = { ...sessionHandlers, ...mediaHandlers, ...chatHandlers, ...fileHandlers, ...annotationHandlers };
