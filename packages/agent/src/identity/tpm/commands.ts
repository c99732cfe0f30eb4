/**
 * Marshalling of the TPM 2.0 commands the agent sends, and parsing of their responses
 * (TCG TPM 2.0 Library, Part 3: Commands). Pure byte work; transport and retries live in client.ts.
 */
import {
  TPM_ALG_ECDSA,
  TPM_ALG_NULL,
  TPM_ALG_SHA256,
  TPM_CC,
  TPM_RH_NULL,
  TPM_RS_PW,
  TPM_ST_HASHCHECK,
  TPM_ST_NO_SESSIONS,
  TPM_ST_SESSIONS,
  type TpmCommandName,
} from './constants.js';
import { TpmFormatError, TpmReader, TpmWriter } from './marshal.js';

export interface TpmCommand {
  name: TpmCommandName;
  bytes: Uint8Array;
  /** Handles the response carries before its parameters. */
  responseHandles: number;
  /** Whether the command (and so the response) has an authorization area. */
  sessions: boolean;
}

/**
 * Builds a command. `authorized` handles get one password session each, with an empty password
 * (the owner hierarchy for CreatePrimary, the key's userAuth for Sign).
 */
function command(name: TpmCommandName, handles: number[], authorized: number, params: Uint8Array, responseHandles = 0): TpmCommand {
  const body = new TpmWriter();
  for (const h of handles) body.u32(h);
  if (authorized > 0) {
    const auth = new TpmWriter();
    for (let i = 0; i < authorized; i++) auth.u32(TPM_RS_PW).tpm2b(new Uint8Array()).u8(0).tpm2b(new Uint8Array());
    const a = auth.done();
    body.u32(a.length).bytes(a);
  }
  body.bytes(params);
  const b = body.done();
  const w = new TpmWriter().u16(authorized > 0 ? TPM_ST_SESSIONS : TPM_ST_NO_SESSIONS).u32(10 + b.length).u32(TPM_CC[name]).bytes(b);
  return { name, bytes: w.done(), responseHandles, sessions: authorized > 0 };
}

export interface TpmResponse {
  rc: number;
  handles: number[];
  params: TpmReader;
}

/** Splits a response into code, handles and a reader over the parameter area. */
export function parseResponse(cmd: TpmCommand, bytes: Uint8Array): TpmResponse {
  const r = new TpmReader(bytes);
  const tag = r.u16();
  const size = r.u32();
  const rc = r.u32();
  if (size !== bytes.length) throw new TpmFormatError(`TPM response size ${size} ≠ ${bytes.length} bytes received`);
  if (rc !== 0) return { rc, handles: [], params: new TpmReader(new Uint8Array()) };
  const handles: number[] = [];
  for (let i = 0; i < cmd.responseHandles; i++) handles.push(r.u32());
  if (tag === TPM_ST_SESSIONS) return { rc, handles, params: new TpmReader(r.bytes(r.u32())) };
  return { rc, handles, params: new TpmReader(r.bytes(r.remaining)) };
}

export const startup = (type: number) => command('Startup', [], 0, new TpmWriter().u16(type).done());
export const shutdown = (type: number) => command('Shutdown', [], 0, new TpmWriter().u16(type).done());
export const flushContext = (handle: number) => command('FlushContext', [], 0, new TpmWriter().u32(handle).done());
export const getCapability = (capability: number, property: number, count: number) =>
  command('GetCapability', [], 0, new TpmWriter().u32(capability).u32(property).u32(count).done());

/** TPM2_CreatePrimary with an empty sensitive area (no userAuth, no data) and no PCR binding. */
export function createPrimary(hierarchy: number, publicArea: Uint8Array): TpmCommand {
  const p = new TpmWriter()
    .sized((s) => s.tpm2b(new Uint8Array()).tpm2b(new Uint8Array())) // TPM2B_SENSITIVE_CREATE
    .tpm2b(publicArea) // TPM2B_PUBLIC
    .tpm2b(new Uint8Array()) // outsideInfo
    .u32(0) // creationPCR: empty TPML_PCR_SELECTION
    .done();
  return command('CreatePrimary', [hierarchy], 1, p, 1);
}

/** TPM2_Sign of a SHA-256 digest with ECDSA-SHA256 and a NULL hash-check ticket (unrestricted key). */
export function sign(keyHandle: number, digest: Uint8Array): TpmCommand {
  const p = new TpmWriter()
    .tpm2b(digest)
    .u16(TPM_ALG_ECDSA)
    .u16(TPM_ALG_SHA256)
    .u16(TPM_ST_HASHCHECK)
    .u32(TPM_RH_NULL)
    .tpm2b(new Uint8Array())
    .done();
  return command('Sign', [keyHandle], 1, p);
}

/** The outPublic of CreatePrimary: the whole TPMT_PUBLIC plus the ECC point. */
export interface EccPublic {
  publicArea: Uint8Array;
  type: number;
  nameAlg: number;
  attributes: number;
  curve: number;
  x: Uint8Array;
  y: Uint8Array;
}

export function parseEccPublic(area: Uint8Array): EccPublic {
  const r = new TpmReader(area);
  const type = r.u16();
  const nameAlg = r.u16();
  const attributes = r.u32();
  r.tpm2b(); // authPolicy
  const symmetric = r.u16();
  if (symmetric !== TPM_ALG_NULL) r.bytes(4); // keyBits + mode (a storage key; not ours)
  const scheme = r.u16();
  if (scheme !== TPM_ALG_NULL) r.u16(); // scheme hash
  const curve = r.u16();
  const kdf = r.u16();
  if (kdf !== TPM_ALG_NULL) r.u16();
  const x = r.tpm2b();
  const y = r.tpm2b();
  return { publicArea: area, type, nameAlg, attributes, curve, x, y };
}

export function parseCreatePrimary(res: TpmResponse): { handle: number; pub: EccPublic } {
  const handle = res.handles[0];
  if (handle === undefined) throw new TpmFormatError('CreatePrimary returned no handle');
  return { handle, pub: parseEccPublic(res.params.tpm2b()) };
}

export function parseSign(res: TpmResponse): { r: Uint8Array; s: Uint8Array } {
  const p = res.params;
  const alg = p.u16();
  if (alg !== TPM_ALG_ECDSA) throw new TpmFormatError(`TPM signed with algorithm 0x${alg.toString(16)}, not ECDSA`);
  p.u16(); // hash
  return { r: p.tpm2b(), s: p.tpm2b() };
}

/** TPM_CAP_HANDLES → the handle list. */
export function parseHandleList(res: TpmResponse): number[] {
  const p = res.params;
  p.u8(); // moreData
  p.u32(); // capability
  const count = p.u32();
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(p.u32());
  return out;
}
