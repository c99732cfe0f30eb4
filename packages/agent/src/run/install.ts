/**
 * The group's install file (`meshwork group install-file` on the server): server URL(s), ServerID,
 * group id and name (which enrol nothing), and one enrolment secret: the group's enrolment key or
 * an enrolment token, never both. The first run copies it into the state dir as `install.json`
 * (0600: the secret enrols devices); later runs read that copy. The secret is never logged.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentInfo } from '@meshwork/protocol/agent/index';
import { InstallFile } from '@meshwork/protocol/api/models';
import { agentWsUrl, ServerUrlError } from '../connection/url.js';
import { writeFileAtomic } from '../identity/state.js';

export const INSTALL_FILE = 'install.json';

export class InstallFileError extends Error {
  override name = 'InstallFileError';
}

const TokenSchema = AgentInfo.shape.enrolmentToken;

/** Parses and checks an install file's content; `where` names it in errors. */
export function parseInstallFile(textContent: string, where: string): InstallFile {
  let json: unknown;
  try {
    json = JSON.parse(textContent);
  } catch {
    throw new InstallFileError(`${where} is not JSON; use the output of \`meshwork group install-file\``);
  }
  const r = InstallFile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InstallFileError(`${where} is not a Meshwork install file: ${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const install = r.data;
  if (install.serverUrls.length === 0) throw new InstallFileError(`${where} lists no server URL`);
  if (install.serverUrls.length > 16) throw new InstallFileError(`${where} lists more than 16 server URLs`);
  for (const u of install.serverUrls) {
    try {
      agentWsUrl(u);
    } catch (e) {
      if (e instanceof ServerUrlError) throw new InstallFileError(`${where}: ${e.message}`);
      throw e;
    }
  }
  if (install.enrolmentToken !== undefined && install.enrolmentKey !== undefined) {
    throw new InstallFileError(`${where} holds both an enrolment key and an enrolment token; use the file as the server made it`);
  }
  if (install.enrolmentToken !== undefined && !TokenSchema.safeParse(install.enrolmentToken).success) {
    throw new InstallFileError(`${where}: the enrolment token is too long or holds control characters`);
  }
  return install;
}

export async function readInstallFile(path: string): Promise<InstallFile> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (e) {
    throw new InstallFileError(`cannot read the install file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseInstallFile(content, path);
}

/** The state dir's copy, or undefined when there is none (first run). */
export async function loadStoredInstall(stateDir: string): Promise<InstallFile | undefined> {
  const path = join(stateDir, INSTALL_FILE);
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InstallFileError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseInstallFile(content, path);
}

export async function storeInstall(stateDir: string, install: InstallFile): Promise<void> {
  await writeFileAtomic(join(stateDir, INSTALL_FILE), JSON.stringify(install, null, 2) + '\n');
}
