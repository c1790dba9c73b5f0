import { createHmac } from 'node:crypto';
import type { IceConfig } from '../config.ts';

export type IceServer = { urls: string[]; username?: string; credential?: string };

/**
 * Time-limited TURN credentials in coturn's REST-API scheme (`use-auth-secret`): the username is
 * `<unix expiry>:<peer id>` and the password is base64(HMAC-SHA1(secret, username)). coturn checks both without
 * any shared state, and refuses them once the expiry has passed; the secret itself never leaves the server.
 */
export function turnCredentials(secret: string, peerId: string, ttlS: number, nowMs = Date.now()) {
  const username = `${Math.floor(nowMs / 1000) + ttlS}:${peerId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** The ICE servers one peer gets when it joins: STUN as configured, TURN with credentials of its own. */
export function iceServersFor(config: IceConfig, peerId: string, nowMs = Date.now()): IceServer[] {
  const servers: IceServer[] = [];
  if (config.stunUrls.length > 0) servers.push({ urls: config.stunUrls });
  if (config.turnUrls.length > 0 && config.turnSecret) {
    servers.push({ urls: config.turnUrls, ...turnCredentials(config.turnSecret, peerId, config.turnCredentialTtlS, nowMs) });
  }
  return servers;
}
