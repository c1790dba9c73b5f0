import * as v from 'valibot';
import { ROOM_PASSWORD_MIN_LENGTH } from './passwordRule.ts';

export { ROOM_PASSWORD_MIN_LENGTH };

/** Room names appear in URLs (`/r/<room>`): letters, digits, dash and underscore. */
export const roomIdSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'Room name is empty'),
  v.maxLength(64, 'Room name is longer than 64 characters'),
  v.regex(/^[A-Za-z0-9_-]+$/, 'Room name may only use letters, digits, "-" and "_"'),
);

export const roomPasswordSchema = v.pipe(
  v.string(),
  v.minLength(ROOM_PASSWORD_MIN_LENGTH, `A room password has at least ${ROOM_PASSWORD_MIN_LENGTH} characters`),
  v.maxLength(128, 'A room password has at most 128 characters'),
);

export const displayNameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'Name is empty'),
  v.maxLength(40, 'Name is longer than 40 characters'),
);

/** Server-generated ids (peers, transports, producers, consumers): opaque, bounded. */
export const idSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

/** What a media producer carries; consumers learn it from `appData` to know which tile it belongs to. */
export const MEDIA_SOURCES = ['mic', 'cam', 'screen'] as const;
export const mediaSourceSchema = v.picklist(MEDIA_SOURCES);
export type MediaSource = (typeof MEDIA_SOURCES)[number];

export const mediaKindSchema = v.picklist(['audio', 'video']);
export type MediaKind = v.InferOutput<typeof mediaKindSchema>;

/** The kind each source must have; a `cam` producer with an audio track is refused. */
export const KIND_OF_SOURCE: Record<MediaSource, MediaKind> = { mic: 'audio', cam: 'video', screen: 'video' };

/** A person's connection in three words a tile can show. */
export const CONNECTION_QUALITIES = ['good', 'fair', 'poor'] as const;
export const connectionQualitySchema = v.picklist(CONNECTION_QUALITIES);
export type ConnectionQuality = (typeof CONNECTION_QUALITIES)[number];
