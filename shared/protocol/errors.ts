import * as v from 'valibot';

/**
 * The closed set of error codes a request can fail with. `timeout` and `disconnected` are raised by the client
 * itself (no reply came / the socket dropped); every other code comes from the server.
 */
export const ERROR_CODES = [
  'bad_request', // the message or its data failed validation
  'unknown_method',
  'handshake_required', // a request other than `hello` before the handshake
  'unsupported_version',
  'not_joined',
  'already_joined',
  'not_found', // the transport/producer/consumer is not one of this peer's
  'bad_state', // valid request at the wrong moment (e.g. consume before capabilities)
  'cannot_consume', // the peer's device cannot receive that producer's codec
  'media_error', // mediasoup refused the parameters
  'room_full',
  'password_required', // the room has a password and none (or no valid invite) was given
  'wrong_password',
  'invite_invalid', // the invite link is damaged, forged or for another room
  'invite_expired',
  'rate_limited',
  'internal',
  'unavailable', // what this server needs from the rest of the service (Redis, another server) did not answer in time: try again
  'timeout',
  'disconnected',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorCodeSchema = v.picklist(ERROR_CODES);

/** Longer messages are cut: a client refuses a reply whose message is longer (see errorBodySchema). */
export const MAX_ERROR_MESSAGE_LENGTH = 500;

export const errorBodySchema = v.object({
  code: errorCodeSchema,
  message: v.pipe(v.string(), v.maxLength(MAX_ERROR_MESSAGE_LENGTH)),
});

export type ErrorBody = v.InferOutput<typeof errorBodySchema>;

/** An error that carries a protocol error code; thrown by handlers and by the client's request(). */
export class ProtocolError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
  }

  /**
   * The error as a reply carries it. The message is cut to the length a client accepts: validation messages quote
   * what was sent, and a reply the client refuses would leave its request unanswered until it times out.
   */
  toBody(): ErrorBody {
    return { code: this.code, message: this.message.slice(0, MAX_ERROR_MESSAGE_LENGTH) };
  }
}
