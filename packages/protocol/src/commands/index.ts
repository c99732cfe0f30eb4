/** Commands on many devices, power actions and Wake-on-LAN: agent frames, REST shapes, the run stream. */
export * from './frames.js';
export * from './api.js';
export * from './stream.js';
