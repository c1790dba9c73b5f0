import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

export type PasswordHash = { salt: Buffer; hash: Buffer };

/** Rooms keep only a salted scrypt hash of their password, never the password itself. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { salt, hash: await scryptAsync(password, salt, 32) };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const hash = await scryptAsync(password, stored.salt, stored.hash.length);
  return timingSafeEqual(hash, stored.hash);
}
