import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createLogger } from '../log.ts';

const log = createLogger('tls');

export type CertificatePair = { cert: string; key: string };

/**
 * Reads a certificate and key and checks that they belong together and can serve TLS; throws a sentence saying
 * what is wrong otherwise (a renewal caught half-written, a key from another certificate).
 */
export async function readCertificatePair(files: { certFile: string; keyFile: string }): Promise<CertificatePair> {
  const [cert, key] = await Promise.all([readFile(files.certFile, 'utf8'), readFile(files.keyFile, 'utf8')]);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new Error(`${files.certFile} is not a PEM certificate`);
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key))) throw new Error('mismatch');
  } catch {
    throw new Error(`${files.keyFile} is not the private key of the certificate in ${files.certFile}`);
  }
  createSecureContext({ cert, key }); // throws on anything else OpenSSL would refuse
  return { cert, key };
}

/** How often the files are looked at: stat polling notices rename-replace and symlink swaps alike. */
const POLL_INTERVAL_MS = 1_000;
/** A renewal writes two files; wait until they have both settled before reading them. */
const SETTLE_MS = 500;

/**
 * Watches the operator's certificate and key (TLS_CERT_FILE, TLS_KEY_FILE) and hands each renewed, valid pair to
 * `use`, so a renewal (certbot swaps symlinks; deploy hooks replace files by rename) needs no restart. A broken
 * pair is logged and the one in use kept. Polling by stat follows symlinks, unlike fs.watch, which would keep
 * watching the old inode after an atomic replace.
 */
export function watchCertificatePair(
  files: { certFile: string; keyFile: string },
  use: (pair: CertificatePair) => void,
  options: { intervalMs?: number } = {},
): { close(): void } {
  let settle: NodeJS.Timeout | undefined;
  let closed = false;
  const reload = async () => {
    try {
      const pair = await readCertificatePair(files);
      if (closed) return;
      use(pair);
      log.info('using the renewed HTTPS certificate', { certFile: files.certFile, validTo: new X509Certificate(pair.cert).validTo });
    } catch (error) {
      log.error('the new HTTPS certificate files cannot be used; still serving the previous certificate', {
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  };
  const changed = () => {
    clearTimeout(settle);
    settle = setTimeout(() => void reload(), SETTLE_MS);
  };
  const interval = options.intervalMs ?? POLL_INTERVAL_MS;
  // persistent: false — watching must not keep the process alive on shutdown.
  for (const file of [files.certFile, files.keyFile]) watchFile(file, { interval, persistent: false }, changed);
  return {
    close() {
      closed = true;
      clearTimeout(settle);
      for (const file of [files.certFile, files.keyFile]) unwatchFile(file, changed);
    },
  };
}
