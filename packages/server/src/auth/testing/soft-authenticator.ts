/**
 * Test support: a software WebAuthn authenticator, so tests run the real verifier
 * (@simplewebauthn/server) on real bytes. It makes ES256 (P-256) discoverable credentials with
 * 'none' attestation, and signs assertions with node:crypto over authenticatorData ‖
 * SHA-256(clientDataJSON), as a platform authenticator does. Knobs let a test play a hostile
 * or broken authenticator: another origin or RP ID, no user verification, a counter set back.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor>;

/** Minimal CBOR encoder (RFC 8949): unsigned/negative integers, byte and text strings, arrays, maps. */
export function cbor(v: Cbor): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, s.length), s]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface SoftCredential {
  id: string;
  rpId: string;
  userHandle: string;
  key: KeyObject;
  counter: number;
}

export interface CeremonyOptions {
  /** The origin the browser puts into clientDataJSON (default: the one given to the authenticator). */
  origin?: string;
  /** Sign for this RP ID instead of the one in the options. */
  rpId?: string;
  /** Report user verification (default true). */
  userVerified?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  /** @param counterStep how much the signature counter grows per assertion (0 = keeps no counter). */
  constructor(readonly origin: string, readonly counterStep = 1) {}

  /** navigator.credentials.create(): the RegistrationResponseJSON for the server's options. */
  create(options: Record<string, unknown>, o: CeremonyOptions = {}): Record<string, unknown> {
    const rp = options.rp as { id: string };
    const user = options.user as { id: string };
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<Cbor, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(String(jwk.x), 'base64url')],
      [-3, Buffer.from(String(jwk.y), 'base64url')],
    ]);
    const credId = randomBytes(16);
    const rpId = o.rpId ?? rp.id;
    const cred: SoftCredential = { id: b64u(credId), rpId, userHandle: user.id, key: privateKey, counter: 0 };
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(credId.length);
    const authData = Buffer.concat([
      this.authData(rpId, FLAG_AT | this.flags(o), cred.counter), Buffer.alloc(16) /* AAGUID */, idLen, credId, cbor(cose),
    ]);
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    this.credentials.push(cred);
    return {
      id: cred.id, rawId: cred.id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: this.clientData('webauthn.create', String(options.challenge), o), attestationObject: b64u(attestationObject),
        transports: ['internal', 'hybrid'],
      },
    };
  }

  /** navigator.credentials.get(): an AuthenticationResponseJSON signed by `cred` (default: the first for the RP). */
  get(options: Record<string, unknown>, o: CeremonyOptions & { credential?: SoftCredential } = {}): Record<string, unknown> {
    const rpId = String(options.rpId);
    const cred = o.credential ?? this.credentials.find((c) => c.rpId === rpId);
    if (!cred) throw new Error(`soft authenticator: no credential for ${rpId}`);
    cred.counter += this.counterStep;
    const authData = this.authData(o.rpId ?? rpId, this.flags(o), cred.counter);
    const clientDataJSON = this.clientData('webauthn.get', String(options.challenge), o);
    const signature = sign('sha256', Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]), cred.key);
    return {
      id: cred.id, rawId: cred.id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: { authenticatorData: b64u(authData), clientDataJSON, signature: b64u(signature), userHandle: cred.userHandle },
    };
  }

  private flags(o: CeremonyOptions): number {
    return FLAG_UP | (o.userVerified === false ? 0 : FLAG_UV);
  }

  private authData(rpId: string, flags: number, counter: number): Buffer {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), c]);
  }

  private clientData(type: string, challenge: string, o: CeremonyOptions): string {
    return b64u(Buffer.from(JSON.stringify({ type, challenge, origin: o.origin ?? this.origin, crossOrigin: false })));
  }
}
