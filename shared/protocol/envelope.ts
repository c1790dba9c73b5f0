import * as v from 'valibot';
import { errorBodySchema, ProtocolError, type ErrorBody } from './errors.ts';
import { isMethod, methods, type Method, type RequestData } from './methods.ts';
import { notifications, type NotificationData, type NotificationMethod } from './notifications.ts';

/** Largest text frame either side accepts; media parameters are a few KB, so this is generous. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

const requestIdSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

const requestEnvelopeSchema = v.object({
  id: requestIdSchema,
  method: v.pipe(v.string(), v.maxLength(64)),
  data: v.optional(v.unknown()),
});

const responseEnvelopeSchema = v.variant('ok', [
  v.object({ id: requestIdSchema, ok: v.literal(true), data: v.optional(v.unknown()) }),
  v.object({ id: v.nullable(requestIdSchema), ok: v.literal(false), error: errorBodySchema }),
]);

const notificationEnvelopeSchema = v.object({
  method: v.pipe(v.string(), v.maxLength(64)),
  data: v.optional(v.unknown()),
});

export type Request = { [M in Method]: { id: number; method: M; data: RequestData<M> } }[Method];
export type Notification = {
  [M in NotificationMethod]: { method: M; data: NotificationData<M> };
}[NotificationMethod];
export type Response = { id: number; ok: true; data: unknown } | { id: number | null; ok: false; error: ErrorBody };

export type ParsedRequest = { ok: true; request: Request } | { ok: false; id: number | null; error: ProtocolError };

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path?.map((item) => String(item.key)).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Parses one inbound text frame on the server. Never throws: a bad frame yields a typed error to send back. */
export function parseRequest(text: string): ParsedRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, id: null, error: new ProtocolError('bad_request', 'Message is not valid JSON') };
  }
  const envelope = v.safeParse(requestEnvelopeSchema, json);
  if (!envelope.success) {
    const id = v.is(v.object({ id: requestIdSchema }), json) ? json.id : null;
    return { ok: false, id, error: new ProtocolError('bad_request', `Bad envelope: ${describeIssues(envelope.issues)}`) };
  }
  const { id, method } = envelope.output;
  if (!isMethod(method)) {
    return { ok: false, id, error: new ProtocolError('unknown_method', `Unknown method "${method.slice(0, 64)}"`) };
  }
  const data = v.safeParse(methods[method].request, envelope.output.data ?? {});
  if (!data.success) {
    return { ok: false, id, error: new ProtocolError('bad_request', `Bad ${method} data: ${describeIssues(data.issues)}`) };
  }
  return { ok: true, request: { id, method, data: data.output } as Request };
}

export type ServerMessage =
  | { kind: 'response'; response: Response }
  | { kind: 'notification'; notification: Notification }
  | { kind: 'invalid'; reason: string };

/**
 * Parses one frame from the server on the client. Response data is validated later, against the method the
 * client knows it asked (see `parseResponseData`); notifications are validated here.
 */
export function parseServerMessage(text: string): ServerMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (typeof json === 'object' && json !== null && 'ok' in json) {
    const response = v.safeParse(responseEnvelopeSchema, json);
    if (!response.success) return { kind: 'invalid', reason: describeIssues(response.issues) };
    const output = response.output;
    return { kind: 'response', response: output.ok ? { id: output.id, ok: true, data: output.data } : output };
  }
  const envelope = v.safeParse(notificationEnvelopeSchema, json);
  if (!envelope.success) return { kind: 'invalid', reason: describeIssues(envelope.issues) };
  const { method } = envelope.output;
  if (!Object.hasOwn(notifications, method)) return { kind: 'invalid', reason: `unknown notification ${method}` };
  const schema = notifications[method as NotificationMethod];
  const data = v.safeParse(schema, envelope.output.data ?? {});
  if (!data.success) return { kind: 'invalid', reason: `${method}: ${describeIssues(data.issues)}` };
  return { kind: 'notification', notification: { method, data: data.output } as Notification };
}

/** Validates a successful reply's data against the schema of the method that was asked. */
export function parseResponseData<M extends Method>(method: M, data: unknown) {
  const result = v.safeParse(methods[method].response, data ?? {});
  if (!result.success) {
    throw new ProtocolError('bad_request', `Bad ${method} reply from server: ${describeIssues(result.issues)}`);
  }
  return result.output as v.InferOutput<(typeof methods)[M]['response']>;
}
