import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitUntil } from '../support/poll.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/*
 * The operator's certificate (TLS_CERT_FILE, TLS_KEY_FILE) laid out as certbot does: live/ holds symlinks into
 * archive/, and a renewal points them at new files. The running server must serve each renewal to new connections.
 */

let dir: string;
let server: RunningServer;

/** A fresh self-signed certificate and key in archive/, as `<name>.crt` and `<name>.key`; returns its SHA-256 fingerprint. */
function makeCertificate(name: string): string {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', path.join(dir, 'archive', `${name}.key`), '-out', path.join(dir, 'archive', `${name}.crt`),
  ], { stdio: 'ignore' });
  return new X509Certificate(readFileSync(path.join(dir, 'archive', `${name}.crt`))).fingerprint256;
}

/** Points a live/ name at a file in archive/ the way a renewal does: a new symlink renamed over the old one. */
async function pointLive(liveName: string, archiveName: string): Promise<void> {
  const link = path.join(dir, 'live', liveName);
  await symlink(path.join('..', 'archive', archiveName), `${link}.new`);
  await rename(`${link}.new`, link);
}

/** The fingerprint of the certificate a new TLS connection to the server gets. */
function servedFingerprint(): Promise<string> {
  const { port } = new URL(server.httpsUrl!);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? 'none');
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huddle-renewal-'));
  await mkdir(path.join(dir, 'archive'));
  await mkdir(path.join(dir, 'live'));
});

afterAll(async () => {
  await server?.stop();
});

describe('a renewed certificate', () => {
  test('is served to new connections within seconds, without a restart; a broken renewal keeps the last good one', async () => {
    const a = makeCertificate('a');
    await pointLive('fullchain.pem', 'a.crt');
    await pointLive('privkey.pem', 'a.key');
    server = await startServer({
      TLS_CERT_FILE: path.join(dir, 'live', 'fullchain.pem'),
      TLS_KEY_FILE: path.join(dir, 'live', 'privkey.pem'),
    });
    expect(await servedFingerprint()).toBe(a);

    // certbot renews: both symlinks now point at new files in archive/.
    const b = makeCertificate('b');
    await pointLive('fullchain.pem', 'b.crt');
    await pointLive('privkey.pem', 'b.key');
    await expect.poll(servedFingerprint, { timeout: 10_000, interval: 250 }).toBe(b);

    // A renewal caught half-way: a new certificate, replaced by rename, beside the old key. Said in words, not used.
    const c = makeCertificate('c');
    const complaints = () => server.output().split('still serving the previous certificate').length - 1;
    const before = complaints();
    await writeFile(path.join(dir, 'live', 'fullchain.pem.new'), await readFile(path.join(dir, 'archive', 'c.crt')));
    await rename(path.join(dir, 'live', 'fullchain.pem.new'), path.join(dir, 'live', 'fullchain.pem'));
    await waitUntil(() => complaints() > before, 'the server to say the new pair is broken', 10_000);
    expect(server.output()).toMatch(/privkey\.pem is not the private key of the certificate in .*fullchain\.pem/);
    expect(await servedFingerprint()).toBe(b);

    // Its key arrives: the pair is whole again and served.
    await writeFile(path.join(dir, 'live', 'privkey.pem.new'), await readFile(path.join(dir, 'archive', 'c.key')));
    await rename(path.join(dir, 'live', 'privkey.pem.new'), path.join(dir, 'live', 'privkey.pem'));
    await expect.poll(servedFingerprint, { timeout: 10_000, interval: 250 }).toBe(c);
    expect(server.process.exitCode).toBe(null);
  });
});
