/**
 * The live output of a run: a WebSocket at `RUN_STREAM_PATH?id=RUN_ID[&after=SEQ]`, open to the
 * user who started the run (and site admins). Authentication as for the event stream: a bearer
 * token header, or the session cookie with the server's own Origin and `csrf=` in the query.
 *
 *   hello   { runId, devices }                                   first, always
 *   output  { seq, deviceId, stream, data }                      data = base64 of the exact bytes
 *   exit    { seq, deviceId, state, exitCode, signal, … }        one per device that was sent the command
 *   done    { seq }                                               every device has a final state; then close 1000
 *   error   { code, message }                                     then close
 *
 * `seq` numbers the run's output and exits from 1. Everything the server holds is replayed first;
 * `after=SEQ` skips what a reconnecting client has already seen. The server sends no faster than
 * the socket drains, so a slow reader holds no more memory than the run itself.
 */
import { z } from 'zod';
import { Hex96 } from '../api/models.js';
import { RunDeviceState, RunOutcome, RunTarget } from './api.js';
import { CommandId, OutputStream } from './frames.js';

export const RUN_STREAM_PATH = '/api/v1/runs/stream';

const Seq = z.number().int().min(1);

export const RunStreamFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), runId: CommandId, devices: z.array(RunTarget) }),
  z.object({ type: z.literal('output'), seq: Seq, deviceId: Hex96, stream: OutputStream, data: z.string() }),
  z.object({ type: z.literal('exit'), seq: Seq, deviceId: Hex96, state: RunDeviceState, ...RunOutcome.shape }),
  z.object({ type: z.literal('done'), seq: z.number().int().min(0) }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type RunStreamFrame = z.infer<typeof RunStreamFrame>;
