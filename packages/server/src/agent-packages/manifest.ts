/**
 * The build's agent-package manifest (`dist/agent-packages/manifest.json`, written by
 * scripts/build-agents.mjs): which executable serves which platform, with its version, size and
 * SHA-256 as the build recorded them. Parsed strictly; a file path must stay inside the directory.
 */
import { z } from 'zod';
import { AgentPlatform, AgentVersion, Sha256Hex } from '@meshwork/protocol';

export const MANIFEST_FILE = 'manifest.json';

const RelativeFile = z.string().min(1).max(512).refine(
  (f) => !f.startsWith('/') && !f.includes('\\') && f.split('/').every((part) => part !== '' && part !== '.' && part !== '..'),
  'expected a path inside the packages directory',
);

export const ManifestEntry = z.object({
  platform: AgentPlatform,
  version: AgentVersion,
  sha256: Sha256Hex,
  size: z.number().int().min(1).max(512 * 1024 * 1024),
  file: RelativeFile,
  /** The Node version inside the executable (informational). */
  node: z.string().max(32).optional(),
});
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export const Manifest = z.object({
  format: z.literal(1),
  packages: z.array(ManifestEntry).max(16),
});
export type Manifest = z.infer<typeof Manifest>;

export class ManifestError extends Error {}

/** The manifest's packages; throws ManifestError when the text is not a valid manifest or names a platform twice. */
export function parseManifest(text: string): ManifestEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ManifestError('manifest.json is not JSON');
  }
  const r = Manifest.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ManifestError(`manifest.json: ${i ? `${i.path.join('.')}: ${i.message}` : 'invalid'}`);
  }
  const seen = new Set<string>();
  for (const p of r.data.packages) {
    if (seen.has(p.platform)) throw new ManifestError(`manifest.json: platform ${p.platform} is listed twice`);
    seen.add(p.platform);
  }
  return r.data.packages;
}
