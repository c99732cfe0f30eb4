/**
 * A throwaway "device" on this machine for the agent-product tests: a mount namespace
 * (`unshare -m`, private propagation, so nothing leaks to the host) in which the paths the installer
 * writes — /usr/local, /var/lib, /etc/systemd/system — are empty directories of the test, and Node
 * is not reachable (/dev/null is bind-mounted over the Node running the tests, and the script
 * checks that no `node` on PATH runs). What runs
 * inside gets a fresh HOME and a minimal environment, never the machine user's.
 *
 * `script` is a POSIX sh script run inside; it may use $DEVICE_ROOT (the host side of the dirs).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { Proc } from './processes.js';

export interface DeviceRoot {
  /** Host-side directories that appear inside as /usr/local, /var/lib, /etc/systemd/system. */
  usrLocal: string;
  varLib: string;
  systemd: string;
  home: string;
}

export function makeDeviceRoot(dir: string): DeviceRoot {
  const r = { usrLocal: join(dir, 'usr-local'), varLib: join(dir, 'var-lib'), systemd: join(dir, 'etc-systemd-system'), home: join(dir, 'home') };
  for (const d of Object.values(r)) mkdirSync(d, { recursive: true, mode: 0o755 });
  mkdirSync(join(r.usrLocal, 'bin'), { recursive: true });
  mkdirSync(join(r.usrLocal, 'lib'), { recursive: true });
  return r;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The mounts, then `script`. */
function wrapped(root: DeviceRoot, script: string): string {
  return [
    'set -e',
    `mount --bind ${q(root.usrLocal)} /usr/local`,
    `mount --bind ${q(root.varLib)} /var/lib`,
    `mount --bind ${q(root.systemd)} /etc/systemd/system`,
    // This Node, wherever it is installed (/bin and /usr/bin are one directory on Debian).
    `mount --bind /dev/null ${q(realpathSync(process.execPath))}`,
    'if command -v node >/dev/null 2>&1 && node --version >/dev/null 2>&1; then echo "node is still reachable" >&2; exit 99; fi',
    'set +e',
    script,
  ].join('\n');
}

export function deviceEnv(root: DeviceRoot, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: root.home, SHELL: '/bin/sh', LANG: 'C.UTF-8', TERM: 'xterm-256color', ...extra };
}

/** Runs `script` inside the device namespace as a child process (the namespace lives as long as it). */
export function inDevice(root: DeviceRoot, script: string, extraEnv: Record<string, string> = {}): Proc {
  const child = spawn('unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', wrapped(root, script)], { env: deviceEnv(root, extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Proc('device', child);
}

/**
 * A POSIX sh loop that does what systemd does with the installed unit: read its Environment=,
 * ExecStartPre= and ExecStart= lines and run them again after every exit (Restart=always), until
 * the file $STOP exists. It prints `service: exited N` after each run (tests wait on it).
 */
export function serviceLoop(unit: string, stopFile: string, restartSec = 1): string {
  return `
unit=${q(unit)}
while IFS= read -r line; do
  case "$line" in
    Environment=*) kv=\${line#Environment=}; kv=\${kv#\\"}; kv=\${kv%\\"}; export "$kv" ;;
  esac
done < "$unit"
pid=
# SIGTERM to the loop stops the agent too (as systemctl stop would), so no orphan keeps the pipes open.
trap 'if [ -n "$pid" ]; then kill -TERM $pid 2>/dev/null; wait $pid; fi; echo "service: stopped"; exit 0' TERM INT
pre=$(sed -n 's/^ExecStartPre=[-@]*//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
while [ ! -e ${q(stopFile)} ]; do
  if [ -n "$pre" ]; then $pre || echo "service: pre failed $?"; fi
  $start &
  pid=$!
  while kill -0 $pid 2>/dev/null; do
    if [ -e ${q(stopFile)} ]; then kill -TERM $pid; fi
    sleep 0.2
  done
  wait $pid
  echo "service: exited $?"
  sleep ${restartSec}
done
echo "service: stopped"
`;
}
