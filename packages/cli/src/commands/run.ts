/**
 * `meshwork run (--device ID … | --group G | --tag T) [--timeout S] [--script TEXT] [--json] -- COMMAND…`:
 * runs a command on devices and streams their output (run stream WebSocket, remote mode).
 * One device: its bytes as they are, stdout to stdout and stderr to stderr, and its exit code.
 * Several: lines prefixed `[name] `, a progress bar when stderr is a terminal, a summary line,
 * exit 0 only when every device exited 0. `--json`: the run's final state (API JSON) instead.
 */
import { openRunStream, type RunStream } from '@meshwork/client';
import { RUN_DEFAULT_TIMEOUT_SECONDS, RUN_MAX_TIMEOUT_SECONDS, type OutputStream, type RunCreated } from '@meshwork/protocol';
import { UsageError } from '../errors.js';
import { control, remoteBytes, text } from '../output/streams.js';
import { resolveDevice, resolveGroup } from '../resolve.js';
import { intOption, str, strs, type CommandSpec, type Ctx, type Input } from '../spec.js';
import { endNote, labels, LinePrefixer, progressBar, runExitCode, summaryLine, type DeviceEnd } from './run-output.js';

const HEX96 = /^[0-9a-f]{96}$/;

/** Where the output goes (process streams; tests may pass others). */
export interface RunIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const processIo = (): RunIo => ({ stdout: process.stdout, stderr: process.stderr });


async function createRun(ctx: Ctx, input: Input): Promise<{ created: RunCreated; timeoutSeconds: number }> {
  const deviceKeys = strs(input, 'device');
  const groupKey = str(input, 'group');
  const tag = str(input, 'tag');
  const script = str(input, 'script');
  const command = input.positionals;
  if (script === undefined && command.length === 0) throw new UsageError('give the command after --, e.g. meshwork run --device ID -- uname -a', 'run');
  if (script !== undefined && command.length > 0) throw new UsageError('give either a COMMAND or --script, not both', 'run');
  if (deviceKeys.length === 0 && groupKey === undefined && tag === undefined) throw new UsageError('select devices with --device, --group or --tag', 'run');
  if (deviceKeys.length > 0 && (groupKey !== undefined || tag !== undefined)) throw new UsageError('--device cannot be combined with --group or --tag', 'run');
  const timeoutSeconds = intOption(input, 'timeout', 1, RUN_MAX_TIMEOUT_SECONDS, 'run') ?? RUN_DEFAULT_TIMEOUT_SECONDS;
  const deviceIds: string[] = [];
  for (const key of deviceKeys) deviceIds.push(HEX96.test(key) ? key : (await resolveDevice(ctx.client, key)).id);
  const groupId = groupKey === undefined ? undefined : (await resolveGroup(ctx.client, groupKey)).id;
  const created = await ctx.client.runs.create({
    ...(deviceIds.length > 0 ? { deviceIds } : {}),
    ...(groupId !== undefined ? { groupId } : {}),
    ...(tag !== undefined ? { tag } : {}),
    ...(script !== undefined ? { script } : { command }),
    timeoutSeconds,
  });
  return { created, timeoutSeconds };
}

export async function runOnDevices(ctx: Ctx, input: Input, io: RunIo = processIo()): Promise<number> {
  // Output streams from the server process that holds the agents: local mode (--data) cannot see it.
  const connect = ctx.relaySocket;
  if (!connect) throw new UsageError('run streams output from the running server: use --server URL (with MESHWORK_TOKEN or --token-file)', 'run');
  const { created, timeoutSeconds } = await createRun(ctx, input);
  const devices = created.devices;
  const single = devices.length === 1;
  const names = labels(devices);
  const ends = new Map<string, DeviceEnd>();
  for (const d of devices) if (d.state !== 'sent') ends.set(d.deviceId, { state: d.state, outcome: null });
  const human = !ctx.json;
  const progress = human && !single && io.stderr.isTTY === true;
  const note = async (line: string): Promise<void> => {
    if (progress) await control(io.stderr, 'clearLine');
    await text(io.stderr, `${line}\n`);
  };
  const drawProgress = async (): Promise<void> => {
    if (!progress) return;
    await control(io.stderr, 'clearLine');
    await text(io.stderr, progressBar(ends.size, devices.length));
  };

  if (devices.length === 0) {
    if (human) await note('no device matches the selection');
    return 1;
  }
  if (human) for (const d of devices) if (d.state !== 'sent') await note(endNote(names.get(d.deviceId) ?? d.name, { state: d.state, outcome: null }, timeoutSeconds) ?? d.state);
  if (ends.size < devices.length) {
    const stream: RunStream = openRunStream({ baseUrl: ctx.client.baseUrl, runId: created.runId, socket: (url) => connect(url) });
    const prefixers = new Map<string, LinePrefixer>();
    const prefixer = (deviceId: string, s: OutputStream): LinePrefixer => {
      const key = `${deviceId}:${s}`;
      let p = prefixers.get(key);
      if (!p) prefixers.set(key, (p = new LinePrefixer(`[${names.get(deviceId) ?? deviceId.slice(0, 12)}] `)));
      return p;
    };
    await drawProgress();
    try {
      for await (const f of stream) {
        if (f.type === 'output') {
          if (!human) continue;
          const data = Buffer.from(f.data, 'base64');
          const out = f.stream === 'stdout' ? io.stdout : io.stderr;
          const bytes = single ? data : prefixer(f.deviceId, f.stream).push(data);
          if (bytes.length === 0) continue;
          if (progress) await control(io.stderr, 'clearLine');
          await remoteBytes(out, bytes);
          await drawProgress();
        } else if (f.type === 'exit') {
          const deviceId = f.deviceId;
          const end: DeviceEnd = {
            state: f.state,
            outcome: { exitCode: f.exitCode, signal: f.signal, timedOut: f.timedOut, truncated: f.truncated, error: f.error, durationMs: f.durationMs },
          };
          ends.set(deviceId, end);
          if (!human) continue;
          if (!single) {
            if (progress) await control(io.stderr, 'clearLine');
            await remoteBytes(io.stdout, prefixer(deviceId, 'stdout').flush());
            await remoteBytes(io.stderr, prefixer(deviceId, 'stderr').flush());
          }
          const text = endNote(names.get(deviceId) ?? deviceId, end, timeoutSeconds);
          if (text) await note(text);
          await drawProgress();
        } else if (f.type === 'done') {
          break;
        }
      }
    } finally {
      stream.close();
    }
  }

  const all = devices.map((d) => ends.get(d.deviceId) ?? { state: 'lost' as const, outcome: null });
  if (!human) {
    ctx.print(await ctx.client.runs.get({ id: created.runId }), () => '');
  } else if (!single) {
    await note(summaryLine(all));
  }
  return runExitCode(all);
}

export const runCommands: CommandSpec[] = [
  {
    name: 'run',
    args: ['[COMMAND…]'],
    summary: 'Run a command on devices and stream their output',
    details: [
      'Put the command after --: meshwork run --device web-1 -- systemctl status nginx',
      'It runs without a shell (argv as given); use --script TEXT for /bin/sh -c TEXT.',
      'One device: its output as it is, and its exit code (124 timeout, 127 not found, 255 not reached).',
      'Several devices: lines prefixed [NAME], a summary on stderr; exit 0 only if every device exited 0.',
      'Needs --server (output streams from the running server) and the runCommands right.',
    ].join('\n'),
    options: {
      device: { type: 'string', value: 'ID', multiple: true, help: 'a device (id or name); repeat for several' },
      group: { type: 'string', value: 'G', help: 'every device of this group (name or id)' },
      tag: { type: 'string', value: 'T', help: 'every device with this tag (with --group: in that group)' },
      timeout: { type: 'string', value: 'S', help: `kill the command after S seconds (default ${RUN_DEFAULT_TIMEOUT_SECONDS}, at most ${RUN_MAX_TIMEOUT_SECONDS})` },
      script: { type: 'string', value: 'TEXT', help: 'run TEXT with /bin/sh -c instead of a COMMAND' },
    },
    run: (ctx, input) => runOnDevices(ctx, input),
  },
];
