/**
 * A TPM session over one transport: sends commands, starts the TPM if nobody has, retries the
 * "try again" warnings, and turns other response codes into TpmError.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as cmd from './commands.js';
import { TPM_CAP_HANDLES, TPM_CAP_TPM_PROPERTIES, TPM_PT_MANUFACTURER, TPM_RC, TPM_RH_OWNER, TPM_SU_CLEAR, TRANSIENT_FIRST } from './constants.js';
import { TpmError } from './errors.js';
import { openTransport, type TpmTransport } from './transport.js';
import type { Tcti } from './tcti.js';

const RETRYABLE = new Set<number>([TPM_RC.RETRY, TPM_RC.YIELDED, TPM_RC.TESTING, TPM_RC.NV_UNAVAILABLE]);
const MAX_RETRIES = 20;

export class TpmClient {
  constructor(private readonly transport: TpmTransport) {}

  async run(c: cmd.TpmCommand): Promise<cmd.TpmResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = cmd.parseResponse(c, await this.transport.transmit(c.bytes));
      if (res.rc === TPM_RC.SUCCESS) return res;
      if (res.rc === TPM_RC.INITIALIZE && c.name !== 'Startup' && attempt === 0) {
        await this.startup();
        continue;
      }
      if (RETRYABLE.has(res.rc) && attempt < MAX_RETRIES) {
        await sleep(Math.min(5 * 2 ** attempt, 200));
        continue;
      }
      throw new TpmError(c.name, res.rc);
    }
  }

  async startup(): Promise<void> {
    await this.run(cmd.startup(TPM_SU_CLEAR));
  }

  /** TPM2_Shutdown(CLEAR): an orderly stop, so the next start does not count as a power loss. */
  async shutdown(): Promise<void> {
    await this.run(cmd.shutdown(TPM_SU_CLEAR));
  }

  /** A cheap liveness probe: the manufacturer property. */
  async manufacturer(): Promise<string> {
    const res = await this.run(cmd.getCapability(TPM_CAP_TPM_PROPERTIES, TPM_PT_MANUFACTURER, 1));
    const p = res.params;
    p.u8();
    p.u32();
    const count = p.u32();
    if (count < 1) return '';
    p.u32();
    const v = p.u32();
    return String.fromCharCode((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff).replace(/[\0 ]+$/, '');
  }

  async createPrimaryOwner(template: Uint8Array) {
    return cmd.parseCreatePrimary(await this.run(cmd.createPrimary(TPM_RH_OWNER, template)));
  }

  async sign(handle: number, digest: Uint8Array) {
    return cmd.parseSign(await this.run(cmd.sign(handle, digest)));
  }

  async flush(handle: number): Promise<void> {
    await this.run(cmd.flushContext(handle));
  }

  /** Transient object handles currently loaded (as seen through this connection). */
  async transientHandles(): Promise<number[]> {
    return cmd.parseHandleList(await this.run(cmd.getCapability(TPM_CAP_HANDLES, TRANSIENT_FIRST, 64)));
  }
}

/** Opens a transport, runs `fn` with a client, always closes the transport. */
export async function withTpm<T>(tcti: Tcti, timeoutMs: number, fn: (tpm: TpmClient) => Promise<T>): Promise<T> {
  const transport = await openTransport(tcti, timeoutMs);
  try {
    return await fn(new TpmClient(transport));
  } finally {
    await transport.close();
  }
}
