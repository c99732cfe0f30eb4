/**
 * Test support: a private swtpm (software TPM 2.0) on 127.0.0.1, on free ports, with its own state
 * dir. Stopped the orderly way — TPM2_Shutdown(CLEAR), then `swtpm_ioctl -s` — because a plain kill
 * counts as a power loss and, after a few, swtpm refuses keys without `noda` (DA lockout).
 * When swtpm is not installed, startSwtpm() throws naming the install command: tests fail, never skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withTpm, type TpmClient } from '../client.js';
import { getCapability, parseResponse } from '../commands.js';
import { TPM_CAP_TPM_PROPERTIES, TPM_PT_MANUFACTURER } from '../constants.js';
import { openTransport } from '../transport.js';
import { parseTcti } from '../tcti.js';

export const SWTPM_INSTALL = 'apt-get install -y swtpm swtpm-tools';

export interface Swtpm {
  /** TCTI for this instance, e.g. `swtpm:host=127.0.0.1,port=40123` (changes on restart). */
  readonly tcti: string;
  readonly stateDir: string;
  /** Runs `fn` over a fresh connection to this TPM. */
  use<T>(fn: (tpm: TpmClient) => Promise<T>): Promise<T>;
  /** Orderly stop and start on the same TPM state (= a reboot). */
  restart(): Promise<void>;
  /** Orderly stop; removes the temp dir this helper made (not a caller-supplied state dir). */
  stop(): Promise<void>;
}

function requireBinaries(): void {
  for (const bin of ['swtpm', 'swtpm_ioctl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`${bin} is not installed; these tests need a software TPM. Install it with: ${SWTPM_INSTALL}`);
    }
  }
}

async function listenOn(port: number): Promise<number | undefined> {
  const srv = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => resolve(true));
  });
  const addr = srv.address();
  if (ok) await new Promise<void>((resolve) => srv.close(() => resolve()));
  return ok && addr !== null && typeof addr !== 'string' ? addr.port : undefined;
}

/** Two consecutive free ports P, P+1: tpm2-tss's swtpm TCTI expects the control port at P+1. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await listenOn(0);
    if (p !== undefined && p < 65535 && (await listenOn(p + 1)) !== undefined) return p;
  }
  throw new Error('no two consecutive free ports on 127.0.0.1');
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

class SwtpmInstance implements Swtpm {
  private child: ChildProcess | undefined;
  private port = 0;
  private ctrlPort = 0;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(
    readonly stateDir: string,
    private readonly workDir: string,
    private readonly flags: string,
  ) {}

  private get logFile(): string {
    return join(this.workDir, 'swtpm.log');
  }

  get tcti(): string {
    return `swtpm:host=127.0.0.1,port=${this.port}`;
  }

  use<T>(fn: (tpm: TpmClient) => Promise<T>): Promise<T> {
    return withTpm(parseTcti(this.tcti), 10_000, fn);
  }

  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      this.port = await freePortPair();
      this.ctrlPort = this.port + 1;
      const child = spawn(
        'swtpm',
        [
          'socket', '--tpm2',
          '--server', `type=tcp,port=${this.port},bindaddr=127.0.0.1`,
          '--ctrl', `type=tcp,port=${this.ctrlPort},bindaddr=127.0.0.1`,
          '--tpmstate', `dir=${this.stateDir}`,
          '--flags', this.flags,
          '--log', `file=${this.logFile},level=1`,
        ],
        { stdio: 'ignore' },
      );
      this.child = child;
      process.once('exit', this.killOnExit);
      try {
        await this.waitReady(child);
        return;
      } catch (e) {
        child.kill('SIGKILL');
        await exited(child);
        process.off('exit', this.killOnExit);
        if (attempt >= 2) throw e;
      }
    }
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    let last: unknown;
    for (let i = 0; i < 250; i++) {
      if (child.exitCode !== null) break;
      try {
        await this.probe();
        return;
      } catch (e) {
        last = e;
        await sleep(20);
      }
    }
    let log = '';
    try {
      log = readFileSync(this.logFile, 'utf8').slice(-2000);
    } catch {
      /* no log yet */
    }
    throw new Error(`swtpm did not come up on port ${this.port}: ${String(last)}\n${log}`);
  }

  /** Any well-formed TPM response (even TPM_RC_INITIALIZE) means swtpm is listening; sends no Startup. */
  private async probe(): Promise<void> {
    const t = await openTransport(parseTcti(this.tcti), 2000);
    try {
      const c = getCapability(TPM_CAP_TPM_PROPERTIES, TPM_PT_MANUFACTURER, 1);
      parseResponse(c, await t.transmit(c.bytes));
    } finally {
      await t.close();
    }
  }

  async stop(): Promise<void> {
    await this.halt();
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private async halt(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    try {
      await this.use((tpm) => tpm.shutdown());
    } catch {
      /* already gone: the ioctl below or the kill still stop it */
    }
    const ioctl = spawnSync('swtpm_ioctl', ['--tcp', `127.0.0.1:${this.ctrlPort}`, '-s'], { stdio: 'ignore', timeout: 5000 });
    if (ioctl.status !== 0) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited(child);
    clearTimeout(timer);
    process.off('exit', this.killOnExit);
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.start();
  }
}

/**
 * Starts a swtpm; pass `stateDir` to reuse a TPM's state (its seeds, hence its keys).
 * `startup: false` leaves TPM2_Startup to the client, like a TPM right after power-on.
 */
export async function startSwtpm(opts: { stateDir?: string; startup?: boolean } = {}): Promise<Swtpm> {
  requireBinaries();
  const work = mkdtempSync(join(tmpdir(), 'mw-swtpm-'));
  const stateDir = opts.stateDir ?? join(work, 'state');
  mkdirSync(stateDir, { recursive: true });
  const tpm = new SwtpmInstance(stateDir, work, opts.startup === false ? 'not-need-init' : 'not-need-init,startup-clear');
  await tpm.start();
  return tpm;
}
