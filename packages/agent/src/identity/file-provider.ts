/**
 * The `file` key provider: a software ECDSA P-256 key, PKCS#8 PEM in the state dir (mode 0600).
 * Anyone who can read the file can become this device; deleting it means a new device id.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyProvider } from './key-provider.js';
import { writeFileAtomic } from './state.js';

export const FILE_KEY_NAME = 'identity-key.pem';

export class FileKeyProvider implements KeyProvider {
  readonly kind = 'file';
  private readonly spki: Buffer;

  private constructor(private readonly key: KeyObject) {
    this.spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  }

  /** Loads the key file; undefined when there is none. */
  static async load(stateDir: string): Promise<FileKeyProvider | undefined> {
    const pem = await readFile(join(stateDir, FILE_KEY_NAME), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (pem === undefined) return undefined;
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`${FILE_KEY_NAME} is not an ECDSA P-256 key`);
    }
    return new FileKeyProvider(key);
  }

  /** Generates a new key and writes it (exclusive create: never overwrites an existing key). */
  static async generate(stateDir: string): Promise<FileKeyProvider> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    await writeFileAtomic(join(stateDir, FILE_KEY_NAME), pem, { exclusive: true });
    return new FileKeyProvider(privateKey);
  }

  async publicKeySpkiDer(): Promise<Buffer> {
    return this.spki;
  }

  async sign(data: Buffer): Promise<Buffer> {
    return sign('sha256', data, { key: this.key, dsaEncoding: 'der' });
  }

  async close(): Promise<void> {}
}
