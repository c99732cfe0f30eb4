/**
 * The identity key's TPMT_PUBLIC template. The key is a *primary* key of the owner hierarchy: the
 * TPM derives it from its owner seed and this exact template, so re-running TPM2_CreatePrimary with
 * the same bytes yields the same key on the same TPM — after the agent's state dir is deleted, after
 * a reboot, without using a persistent NV slot. Only TPM2_Clear (new owner seed) changes it.
 *
 *   type        TPM_ALG_ECC, nameAlg SHA-256
 *   attributes  fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | noDA | sign   (0x00040472)
 *   authPolicy  empty; userAuth empty (CreatePrimary's sensitive area is empty)
 *   parameters  symmetric NULL, scheme ECDSA/SHA-256, curve NIST P-256, kdf NULL
 *   unique      x = ASCII "meshwork-agent-v1 identity" (26 bytes), y = empty
 *
 * `unique` is only derivation input on the way in (the TPM returns the public point there): it keeps
 * our key apart from any other software's primary key with otherwise the same template.
 * Changing any byte here changes every TPM-backed device id: never do it within a label version.
 */
import {
  TPM_ALG_ECC,
  TPM_ALG_ECDSA,
  TPM_ALG_NULL,
  TPM_ALG_SHA256,
  TPM_ECC_NIST_P256,
  TPMA_OBJECT,
} from './constants.js';
import { TpmWriter } from './marshal.js';

export const IDENTITY_TEMPLATE_NAME = 'meshwork-agent-v1';
export const IDENTITY_UNIQUE = new TextEncoder().encode('meshwork-agent-v1 identity');
export const IDENTITY_ATTRIBUTES =
  TPMA_OBJECT.fixedTPM |
  TPMA_OBJECT.fixedParent |
  TPMA_OBJECT.sensitiveDataOrigin |
  TPMA_OBJECT.userWithAuth |
  TPMA_OBJECT.noDA |
  TPMA_OBJECT.sign;
/** The same attributes in tpm2-tools syntax (for cross-checks and the docs). */
export const IDENTITY_ATTRIBUTES_TOOLS = 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|sign';

/** TPMT_PUBLIC of the identity key template. */
export function identityTemplate(): Uint8Array {
  return new TpmWriter()
    .u16(TPM_ALG_ECC)
    .u16(TPM_ALG_SHA256)
    .u32(IDENTITY_ATTRIBUTES)
    .tpm2b(new Uint8Array()) // authPolicy
    .u16(TPM_ALG_NULL) // symmetric
    .u16(TPM_ALG_ECDSA)
    .u16(TPM_ALG_SHA256) // scheme
    .u16(TPM_ECC_NIST_P256)
    .u16(TPM_ALG_NULL) // kdf
    .tpm2b(IDENTITY_UNIQUE)
    .tpm2b(new Uint8Array())
    .done();
}
