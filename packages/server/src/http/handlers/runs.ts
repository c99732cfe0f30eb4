/**
 * Handlers: commands on many devices. `runs.create` needs `runCommands` on each device's group
 * (domain/commands/selection.ts); a run is visible to the user who started it and site admins only.
 */
import { mayReadRun } from '../../authz/runs.js';
import { notFound } from '../../errors.js';
import { startRun } from '../../domain/commands/runs.js';
import { runView } from '../../domain/commands/view.js';
import { must, type AreaHandlers } from '../handler.js';

export const runsHandlers: AreaHandlers<'runs.create' | 'runs.get'> = {
  async 'runs.create'({ sys, principal, body }) {
    return startRun(sys, must(principal), body);
  },

  async 'runs.get'({ sys, principal, params }) {
    const p = must(principal);
    const run = sys.commands.runs.get(params.id);
    if (!run || !mayReadRun(sys, p, run)) throw notFound();
    return runView(run);
  },
};
