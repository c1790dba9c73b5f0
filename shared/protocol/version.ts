/** Bumped on any incompatible change to a message; the `hello` handshake refuses a mismatch. */
export const PROTOCOL_VERSION = 2;
