/** Schemas of the agent-package answers: the executables a server serves, and an install command. */
import { z } from 'zod';
import { IsoTime } from './models.js';
// Through the session index: messages.js and update.js import each other, and the index loads them in order.
import { AgentPlatform, AgentVersion, Sha256Hex } from '../session/index.js';

/** An agent executable the server serves (GET /api/v1/agent/packages). */
export const AgentPackageInfo = z.object({
  platform: AgentPlatform,
  version: AgentVersion,
  /** SHA-256 hex of the executable, as the server hashed it at start. */
  sha256: Sha256Hex,
  size: z.number().int().min(1),
});

/** A one-line install command for a Linux root shell (GET /api/v1/groups/:id/install-command). */
export const InstallCommand = z.object({
  command: z.string(),
  /** When the command's download links stop working. */
  expiresAt: IsoTime,
  /** The packages the command may install (one per platform it handles), each pinned by its SHA-256. */
  platforms: z.array(AgentPackageInfo),
  /** What curl pins: `sha256//` + base64 SHA-256 of the server certificate's public key (SPKI). */
  serverPin: z.string(),
});

export type AgentPackageInfo = z.infer<typeof AgentPackageInfo>;
export type InstallCommand = z.infer<typeof InstallCommand>;
