/** Event types of commands, power and Wake-on-LAN. Part of the API (`events.list?type=`), never renamed. */
export const COMMAND_EVENT_TYPES = {
  /** A user started a run (audit: who, what, on how many devices). */
  runStarted: 'run.started',
  /** One device's result of a run: exit code, signal, timeout, a bounded output excerpt. */
  runResult: 'run.result',
  /** A power action was asked for, with the agent's answer. */
  devicePower: 'device.power',
  /** A Wake-on-LAN was asked for, with the agents that sent the packets. */
  deviceWake: 'device.wake',
} as const;

/** Output kept in a `run.result` event, per stream. */
export const RESULT_EXCERPT_BYTES = 2048;
