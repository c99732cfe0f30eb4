/**
 * The `tpm` key provider: an ECDSA P-256 key that exists only inside a TPM 2.0. It is the owner
 * hierarchy's primary key for the fixed template in template.ts, so it is re-derived (TPM2_CreatePrimary)
 * for each operation and flushed right after: nothing stays loaded in the TPM between operations —
 * required without a resource manager (swtpm, /dev/tpm0), harmless with one (/dev/tpmrm0). The private
 * key never leaves the TPM (fixedTPM, sensitiveDataOrigin); the TPM signs a SHA-256 digest we send.
 */
import { createHash } from 'node:crypto';
import { p256SpkiFromPoint } from '@meshwork/protocol/agent/index';
import { ecdsaSignatureDer } from '../der.js';
import { IdentityKeyMismatchError, type KeyProvider } from '../key-provider.js';
import { TpmClient, withTpm } from './client.js';
import { TPM_ALG_ECC, TPM_ALG_SHA256, TPM_ECC_NIST_P256 } from './constants.js';
import type { EccPublic } from './commands.js';
import { TpmFormatError } from './marshal.js';
import { IDENTITY_ATTRIBUTES, identityTemplate } from './template.js';
import { formatTcti, parseTcti, type Tcti } from './tcti.js';

export interface TpmKeyProviderOptions {
  /** TCTI string: `device:/dev/tpmrm0` or `swtpm:host=127.0.0.1,port=2321`. */
  tcti: string;
  /** The SPKI the state dir recorded; every operation checks the TPM still derives this key. */
  expectedSpki?: Buffer;
  /** Per-command timeout (default 30 s: real TPMs are slow, swtpm answers in ~1 ms). */
  timeoutMs?: number;
}

function checkPublic(pub: EccPublic): void {
  if (pub.type !== TPM_ALG_ECC || pub.nameAlg !== TPM_ALG_SHA256 || pub.curve !== TPM_ECC_NIST_P256 || pub.attributes !== IDENTITY_ATTRIBUTES) {
    throw new TpmFormatError('the TPM returned a key that does not match the identity template');
  }
}

export class TpmKeyProvider implements KeyProvider {
  readonly kind = 'tpm';
  readonly tcti: Tcti;
  private spki: Buffer | undefined;
  private readonly timeoutMs: number;
  /** Operations run one at a time: each holds one transient object slot while it runs. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: TpmKeyProviderOptions) {
    this.tcti = parseTcti(opts.tcti);
    this.spki = opts.expectedSpki;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  get tctiString(): string {
    return formatTcti(this.tcti);
  }

  /** Derives the key, runs `fn` with its transient handle, flushes it whatever happens. */
  private withKey<T>(fn: (tpm: TpmClient, handle: number, spki: Buffer) => Promise<T>): Promise<T> {
    const run = () =>
      withTpm(this.tcti, this.timeoutMs, async (tpm) => {
        const { handle, pub } = await tpm.createPrimaryOwner(identityTemplate());
        try {
          checkPublic(pub);
          const spki = Buffer.from(p256SpkiFromPoint(pub.x, pub.y));
          if (this.spki && !this.spki.equals(spki)) {
            throw new IdentityKeyMismatchError(
              'the TPM derives a different identity key than the state dir recorded (was the TPM cleared?); run `meshwork-agent reset-identity`',
            );
          }
          this.spki = spki;
          return await fn(tpm, handle, spki);
        } finally {
          await tpm.flush(handle);
        }
      });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The public key; derived from the TPM on first call unless the state dir supplied it. */
  async publicKeySpkiDer(): Promise<Buffer> {
    return this.spki ?? this.derive();
  }

  /** Re-derives the key now and checks it (used at provisioning). */
  async derive(): Promise<Buffer> {
    return this.withKey(async (_tpm, _handle, spki) => spki);
  }

  async sign(data: Buffer): Promise<Buffer> {
    const digest = createHash('sha256').update(data).digest();
    const { r, s } = await this.withKey((tpm, handle) => tpm.sign(handle, digest));
    return ecdsaSignatureDer(r, s);
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
