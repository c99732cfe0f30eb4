/** A TPM response code as an Error, with the TCG name where the agent knows it. */
import type { TpmCommandName } from './constants.js';

const FORMAT_ZERO: Record<number, string> = {
  0x100: 'TPM_RC_INITIALIZE (TPM2_Startup not yet run)',
  0x101: 'TPM_RC_FAILURE (TPM in failure mode)',
  0x143: 'TPM_RC_COMMAND_CODE',
  0x901: 'TPM_RC_CONTEXT_GAP',
  0x902: 'TPM_RC_OBJECT_MEMORY (no free transient object slot: objects leaked without a resource manager)',
  0x903: 'TPM_RC_SESSION_MEMORY',
  0x904: 'TPM_RC_MEMORY',
  0x908: 'TPM_RC_YIELDED',
  0x909: 'TPM_RC_CANCELED',
  0x90a: 'TPM_RC_TESTING',
  0x921: 'TPM_RC_LOCKOUT (dictionary-attack lockout)',
  0x922: 'TPM_RC_RETRY',
  0x923: 'TPM_RC_NV_UNAVAILABLE',
};
const FORMAT_ONE: Record<number, string> = {
  0x02: 'TPM_RC_ATTRIBUTES',
  0x03: 'TPM_RC_HASH',
  0x04: 'TPM_RC_VALUE',
  0x05: 'TPM_RC_HIERARCHY',
  0x0b: 'TPM_RC_HANDLE',
  0x0e: 'TPM_RC_AUTH_FAIL',
  0x12: 'TPM_RC_SCHEME',
  0x15: 'TPM_RC_SIZE',
  0x17: 'TPM_RC_TAG',
  0x1b: 'TPM_RC_SIGNATURE',
  0x22: 'TPM_RC_BAD_AUTH (the owner hierarchy has a password; the agent uses an empty one)',
  0x26: 'TPM_RC_CURVE',
  0x27: 'TPM_RC_ECC_POINT',
};

/** Human-readable name of a TPM response code. */
export function describeRc(rc: number): string {
  const hex = '0x' + rc.toString(16).padStart(3, '0');
  if (rc & 0x80) {
    const n = rc & 0x3f;
    const where = rc & 0x40 ? ` parameter ${(rc >> 8) & 0xf}` : rc & 0x800 ? ` session ${(rc >> 8) & 0x7}` : ` handle ${(rc >> 8) & 0x7}`;
    return `${FORMAT_ONE[n] ?? 'TPM error'}${where} (${hex})`;
  }
  return `${FORMAT_ZERO[rc] ?? 'TPM error'} (${hex})`;
}

export class TpmError extends Error {
  override name = 'TpmError';
  constructor(
    readonly command: TpmCommandName,
    readonly rc: number,
  ) {
    super(`TPM2_${command} failed: ${describeRc(rc)}`);
  }
}
