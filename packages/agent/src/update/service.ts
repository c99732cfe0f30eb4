/**
 * When `run` may update itself: only as the service `install` set up — MESHWORK_AGENT_SERVICE=systemd
 * (set by the unit, whose Restart=always starts the new version and whose ExecStartPre guard can
 * roll it back) and the executable running from `<lib>/versions/<this version>/meshwork-agent`.
 * Anywhere else (a checkout, a copy run by hand, a container) the agent does not announce
 * `self-update` and the server never offers one.
 */
import { PRODUCT_VERSION } from '@meshwork/protocol/version';
import { SERVICE_ENV } from '../service/unit.js';
import { layoutOfExecutable, type Layout } from '../service/layout.js';

/** MESHWORK_AGENT_UPDATE_TRIAL_S: seconds a new version has to reach the server (tests and labs). */
export const TRIAL_ENV = 'MESHWORK_AGENT_UPDATE_TRIAL_S';

export function serviceUpdates(env: NodeJS.ProcessEnv, execPath: string, version = PRODUCT_VERSION): { layout: Layout; trialMs?: number } | null {
  if (env[SERVICE_ENV] !== 'systemd') return null;
  const at = layoutOfExecutable(execPath);
  if (!at || at.version !== version) return null;
  const trial = Number(env[TRIAL_ENV]);
  return { layout: at.layout, ...(env[TRIAL_ENV] && Number.isFinite(trial) && trial > 0 && trial <= 86_400 ? { trialMs: trial * 1000 } : {}) };
}
