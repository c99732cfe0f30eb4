/** The few TPM 2.0 constants the agent uses (TCG TPM 2.0 Library, Part 2: Structures). */

export const TPM_ST_NO_SESSIONS = 0x8001;
export const TPM_ST_SESSIONS = 0x8002;
export const TPM_ST_HASHCHECK = 0x8024;

export const TPM_CC = {
  CreatePrimary: 0x00000131,
  Startup: 0x00000144,
  Shutdown: 0x00000145,
  Sign: 0x0000015d,
  FlushContext: 0x00000165,
  GetCapability: 0x0000017a,
} as const;
export type TpmCommandName = keyof typeof TPM_CC;

export const TPM_RH_OWNER = 0x40000001;
export const TPM_RH_NULL = 0x40000007;
/** The password authorization session (an empty password here). */
export const TPM_RS_PW = 0x40000009;
/** First transient object handle. */
export const TRANSIENT_FIRST = 0x80000000;

export const TPM_ALG_SHA256 = 0x000b;
export const TPM_ALG_NULL = 0x0010;
export const TPM_ALG_ECDSA = 0x0018;
export const TPM_ALG_ECC = 0x0023;
export const TPM_ECC_NIST_P256 = 0x0003;

export const TPM_SU_CLEAR = 0x0000;

export const TPM_CAP_HANDLES = 0x00000001;
export const TPM_CAP_TPM_PROPERTIES = 0x00000006;
export const TPM_PT_MANUFACTURER = 0x00000105;

/** TPMA_OBJECT bits. */
export const TPMA_OBJECT = {
  fixedTPM: 1 << 1,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  userWithAuth: 1 << 6,
  noDA: 1 << 10,
  sign: 1 << 18,
} as const;

/** Response codes the agent reacts to or names in errors. */
export const TPM_RC = {
  SUCCESS: 0x000,
  INITIALIZE: 0x100,
  OBJECT_MEMORY: 0x902,
  SESSION_MEMORY: 0x903,
  YIELDED: 0x908,
  TESTING: 0x90a,
  LOCKOUT: 0x921,
  RETRY: 0x922,
  NV_UNAVAILABLE: 0x923,
} as const;
