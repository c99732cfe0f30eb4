/**
 * The agent install file as something to hand over: a downloadable JSON file and a one-line shell
 * command that writes the same file (base64, so no quoting trouble) readable by root only (umask
 * 077), stores it in the agent's state dir, deletes it (it holds a secret that enrols devices) and
 * starts the agent.
 */
import type { InstallFile } from '@meshwork/protocol';

export const INSTALL_FILE_NAME = 'meshwork-install.json';
export const AGENT_STATE_DIR = '/var/lib/meshwork-agent';

export function installJson(file: InstallFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** UTF-8 safe base64 (group names may hold any characters). */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** A copy-paste command for a Linux shell; base64 has no quote characters, so single quotes are safe. */
export function installCommand(file: InstallFile): string {
  return (
    `umask 077 && printf '%s' '${base64Utf8(installJson(file))}' | base64 -d > ${INSTALL_FILE_NAME}` +
    ` && meshwork-agent store-install --state ${AGENT_STATE_DIR} --install ${INSTALL_FILE_NAME}` +
    ` && rm -f ${INSTALL_FILE_NAME} && meshwork-agent run --state ${AGENT_STATE_DIR}`
  );
}
