import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../config.ts';
import { iceServersFor, turnCredentials } from './iceServers.ts';

describe('TURN credentials (coturn REST-API scheme)', () => {
  test('username is expiry:peer and the password is the HMAC-SHA1 of it under the secret', () => {
    const { username, credential } = turnCredentials('s3cret', 'peer-1', 600, 1_700_000_000_000);
    expect(username).toBe('1700000600:peer-1');
    expect(credential).toBe(createHmac('sha1', 's3cret').update('1700000600:peer-1').digest('base64'));
  });

  test('no servers configured: none handed out (one LAN needs none)', () => {
    expect(iceServersFor(loadConfig({}).ice, 'p')).toEqual([]);
  });

  test('STUN and TURN from the environment; each peer gets its own credentials, never the secret', () => {
    const config = loadConfig({
      STUN_URLS: 'stun:stun.example.org:3478',
      TURN_URLS: 'turn:turn.example.org:3478?transport=udp, turns:turn.example.org:443?transport=tcp',
      TURN_SECRET: 'shh',
    }).ice;
    const servers = iceServersFor(config, 'p1');
    expect(servers[0]).toEqual({ urls: ['stun:stun.example.org:3478'] });
    expect(servers[1]?.urls).toEqual(['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443?transport=tcp']);
    expect(servers[1]?.username).toMatch(/^\d+:p1$/);
    expect(JSON.stringify(servers)).not.toContain('shh');
    expect(iceServersFor(config, 'p2')[1]?.username).toMatch(/:p2$/);
  });

  test('by default the credentials a participant gets stop working within the hour', () => {
    const config = loadConfig({ TURN_URLS: 'turn:turn.example.org:3478', TURN_SECRET: 'shh' }).ice;
    const [turn] = iceServersFor(config, 'p1', 1_700_000_000_000);
    const expiry = Number(turn?.username?.split(':')[0]);
    expect(expiry - 1_700_000_000).toBeGreaterThan(0);
    expect(expiry - 1_700_000_000).toBeLessThanOrEqual(3600);
  });

  test('a configuration that cannot work is refused at start, in words', () => {
    expect(() => loadConfig({ TURN_URLS: 'turn:x:3478' })).toThrow(/TURN_SECRET/);
    expect(() => loadConfig({ STUN_URLS: 'http://x' })).toThrow(/not a stun/);
    expect(() => loadConfig({ ICE_TRANSPORT_POLICY: 'relay' })).toThrow(/needs TURN_URLS/);
  });
});
