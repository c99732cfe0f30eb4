/** The CLI's dispatch table: every command, in help order. */
import type { AnyCommand } from '../spec.js';
import { deviceCommands } from './devices.js';
import { groupCommands } from './groups.js';
import { agentPackageCommands } from './agent-packages.js';
import { revocationCommands } from './revocations.js';
import { serverCommands } from './server.js';
import { tokenCommands } from './tokens.js';
import { userCommands } from './users.js';
import { shellCommands } from './shell.js';
import { filesCommands } from './files.js';
import { forwardCommands } from './forward.js';
import { runCommands } from './run.js';
import { powerCommands } from './power.js';
import { wakeCommands } from './wake.js';
import { agentUpdateCommands } from './agent-updates.js';

export const COMMANDS: AnyCommand[] = [...serverCommands, ...userCommands, ...tokenCommands, ...groupCommands, ...agentPackageCommands, ...agentUpdateCommands, ...deviceCommands, ...revocationCommands, ...shellCommands, ...filesCommands, ...forwardCommands, ...runCommands, ...powerCommands, ...wakeCommands];
