import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { createLogger } from '../log.ts';
import { readCertificatePair } from './watch.ts';

const log = createLogger('tls');

export type TlsMaterial = { key: string; cert: string; source: 'provided' | 'generated' };

/** Every name and address a phone on the LAN (or this machine) may use to reach us. */
export function localHostNames(): { dns: string[]; ips: string[] } {
  const ips = ['127.0.0.1', '::1'];
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) if (!address.internal) ips.push(address.address);
  }
  return { dns: ['localhost', os.hostname(), `${os.hostname()}.local`], ips: [...new Set(ips)] };
}

/**
 * The HTTPS certificate: the operator's own files when given, else a self-signed one made once and kept in `dir`,
 * so a phone that accepted it once keeps working. It is made again only when this machine gained an address the
 * kept one does not cover (a new Wi-Fi network).
 */
export async function loadOrCreateCertificate(options: { certFile?: string; keyFile?: string; dir: string }): Promise<TlsMaterial> {
  if (options.certFile && options.keyFile) {
    const { cert, key } = await readCertificatePair({ certFile: options.certFile, keyFile: options.keyFile });
    return { cert, key, source: 'provided' };
  }
  const names = localHostNames();
  const files = { cert: path.join(options.dir, 'cert.pem'), key: path.join(options.dir, 'key.pem'), names: path.join(options.dir, 'names.json') };
  try {
    const kept = JSON.parse(await readFile(files.names, 'utf8')) as { dns: string[]; ips: string[] };
    const covered = names.ips.every((ip) => kept.ips.includes(ip)) && names.dns.every((name) => kept.dns.includes(name));
    if (covered) {
      const [cert, key] = await Promise.all([readFile(files.cert, 'utf8'), readFile(files.key, 'utf8')]);
      return { cert, key, source: 'generated' };
    }
  } catch {
    // Nothing kept yet (or unreadable): make one.
  }
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 2);
  const pems = await generate([{ name: 'commonName', value: 'Huddle (self-signed)' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  await Promise.all([
    writeFile(files.key, pems.private, { mode: 0o600 }),
    writeFile(files.cert, pems.cert),
    writeFile(files.names, JSON.stringify(names)),
  ]);
  log.info('made a self-signed HTTPS certificate', { dir: options.dir, names: [...names.dns, ...names.ips] });
  return { cert: pems.cert, key: pems.private, source: 'generated' };
}
