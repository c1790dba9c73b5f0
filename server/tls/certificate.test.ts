import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadOrCreateCertificate } from './certificate.ts';

describe('HTTPS certificate', () => {
  test('made once for localhost and this machine’s addresses, then kept (a phone accepts it once)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'huddle-tls-'));
    const first = await loadOrCreateCertificate({ dir });
    const san = new X509Certificate(first.cert).subjectAltName ?? '';
    expect(san).toContain('DNS:localhost');
    expect(san).toContain('IP Address:127.0.0.1');
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const address of addresses ?? []) {
        if (!address.internal && address.family === 'IPv4') expect(san).toContain(`IP Address:${address.address}`);
      }
    }
    const again = await loadOrCreateCertificate({ dir });
    expect(again.cert).toBe(first.cert);
    expect(new X509Certificate(first.cert).checkPrivateKey(createPrivateKey(first.key))).toBe(true);
  });

  test('an operator’s own certificate is used as given', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'huddle-tls-'));
    const made = await loadOrCreateCertificate({ dir });
    const certFile = path.join(dir, 'mine.crt');
    const keyFile = path.join(dir, 'mine.key');
    await writeFile(certFile, made.cert);
    await writeFile(keyFile, made.key);
    const provided = await loadOrCreateCertificate({ dir: path.join(dir, 'unused'), certFile, keyFile });
    expect(provided).toEqual({ cert: made.cert, key: made.key, source: 'provided' });
  });
});
