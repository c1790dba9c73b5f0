/**
 * Shorter room passwords fall to guessing too quickly, even with the server's limit on failed attempts. Kept apart
 * from the schemas so the join screen can say the rule without loading the schema library.
 */
export const ROOM_PASSWORD_MIN_LENGTH = 8;
