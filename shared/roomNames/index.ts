import { WORDS } from './words.ts';

/** Words in a new room name: 6 × log2(2048) = 66 bits, too many names to guess or to squat one. */
export const ROOM_NAME_WORDS = 6;

/** How many bits of randomness a new room name carries. */
export const ROOM_NAME_BITS = ROOM_NAME_WORDS * Math.log2(WORDS.length);

type RandomSource = (values: Uint16Array) => Uint16Array;

const cryptoRandom: RandomSource = (values) => crypto.getRandomValues(values);

/**
 * A fresh room name, e.g. `maple-orbit-ticket-sugar-ladder-glance`: easy to read aloud, and since a room's link is
 * its key, drawn from the system's cryptographic random source (a list of 2¹¹ words, so masking 11 bits is unbiased).
 */
export function randomRoomName(random: RandomSource = cryptoRandom): string {
  const values = random(new Uint16Array(ROOM_NAME_WORDS));
  return Array.from(values, (value) => WORDS[value & (WORDS.length - 1)]).join('-');
}
