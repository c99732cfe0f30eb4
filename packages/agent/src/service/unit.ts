/**
 * The systemd unit. The agent is a remote root shell, file manager and power switch by design, so
 * most of systemd's sandboxing would break what it is for; each option below is on or off for a
 * reason given in packages/agent/README.md ("The service"). The guard runs from `good` (the last
 * version that reached the server) before every start, so a new version that cannot start is
 * rolled back by code that is known to work.
 */
import { LIB_PATH, STATE_PATH } from './layout.js';

export const SERVICE_ENV = 'MESHWORK_AGENT_SERVICE';

export function unitText(): string {
  return `# Written by \`meshwork-agent install\`; removed by \`meshwork-agent uninstall\`.
# Why each option is set (or not): packages/agent/README.md, "The service".
[Unit]
Description=Meshwork agent
Wants=network-online.target
After=network-online.target
# Never give up restarting: an agent that stops restarting is a device nobody can reach.
StartLimitIntervalSec=0

[Service]
Type=simple
Environment=${SERVICE_ENV}=systemd
ExecStartPre=${LIB_PATH}/good/meshwork-agent update-guard --state ${STATE_PATH}
ExecStart=${LIB_PATH}/current/meshwork-agent run --state ${STATE_PATH}
Restart=always
RestartSec=3
# SIGTERM to the agent alone, which ends its commands and terminals itself; whatever is left
# gets SIGKILL after TimeoutStopSec.
KillMode=mixed
TimeoutStopSec=20
# A command run through the agent that the kernel kills for memory must not stop the agent.
OOMPolicy=continue
StateDirectory=meshwork-agent
StateDirectoryMode=0700
SyslogIdentifier=meshwork-agent

[Install]
WantedBy=multi-user.target
`;
}
