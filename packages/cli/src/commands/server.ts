/** `server start [flags…]`: runs the server in this process until SIGTERM/SIGINT. */
import { loadConfig, runServer, StartError } from '@meshwork/server';
import { usageFromParseArgs } from '../argv.js';
import { CliError } from '../errors.js';
import type { PassthroughSpec } from '../spec.js';

export const serverCommands: PassthroughSpec[] = [
  {
    name: 'server start',
    args: ['[flags…]'],
    summary: 'Start the HTTPS server (runs until SIGTERM/SIGINT)',
    details: 'Flags may also be set as environment variables (MESHWORK_PORT, MESHWORK_HOST, MESHWORK_DATA, …) or in DATA/config.json.',
    passthrough: true,
    options: {
      port: { type: 'string', value: 'P', help: 'HTTPS port (default 8443; 0 = any free port)' },
      host: { type: 'string', value: 'H', help: 'bind address (default 127.0.0.1)' },
      data: { type: 'string', value: 'DIR', help: 'data dir: store, keys, certificates (default ./data)' },
      name: { type: 'string', value: 'N', help: 'extra DNS name or IP for the certificate (repeatable)' },
      'public-url': { type: 'string', value: 'U', help: 'URL written into agent install files (repeatable)' },
      'tls-cert': { type: 'string', value: 'FILE', help: 'your own HTTPS certificate (PEM), with --tls-key' },
      'tls-key': { type: 'string', value: 'FILE', help: 'its private key (PEM)' },
      'metrics-port': { type: 'string', value: 'P', help: 'serve /metrics without auth on this separate port' },
      'log-level': { type: 'string', value: 'L', help: 'pino log level (default info)' },
      'web-root': { type: 'string', value: 'DIR', help: 'serve the web UI from DIR (default: the built @meshwork/web package)' },
    },
    async runRaw(args, globalArgs) {
      // A global `--data D` given before `server start` applies unless the server flags set their own.
      const data = dataFrom(globalArgs);
      const hasOwnData = args.some((a) => a === '--data' || a.startsWith('--data='));
      const argv = data !== undefined && !hasOwnData ? [...args, '--data', data] : args;
      // Check the flags first so a bad one is a usage error (exit 2), not a failed start.
      try {
        loadConfig(argv);
      } catch (e) {
        throw usageFromParseArgs(e, 'server start') ?? e;
      }
      try {
        await runServer(argv);
      } catch (e) {
        if (e instanceof StartError) throw new CliError('start_failed', e.message);
        throw e;
      }
    },
  },
];

function dataFrom(globalArgs: string[]): string | undefined {
  let data: string | undefined;
  for (let i = 0; i < globalArgs.length; i++) {
    const a = globalArgs[i] as string;
    if (a === '--data') data = globalArgs[i + 1];
    else if (a.startsWith('--data=')) data = a.slice('--data='.length);
  }
  return data;
}
