import { randomBytes } from 'node:crypto';
import { type AdminToken, adminTokenFromHex, adminTokenHex, adminTokenOf } from '../core/admin-token.js';
import { generatedTokenSetting, type SettingRepository } from './setting-repository.js';

export interface ResolvedAdminToken {
  readonly admin: AdminToken;
  /** The token this start generated, to be shown once; undefined when it was configured or stored. */
  readonly generated?: string;
}

/**
 * The admin token in force: AUTH_TOKEN when set; else the one generated on a first start, of
 * which only the digest is stored. Instances starting together on one database agree on the first
 * digest stored, and only the instance whose token it is shows it.
 */
export async function resolveAdminToken(
  configured: string,
  settings: SettingRepository,
  nowMs: number,
): Promise<ResolvedAdminToken> {
  if (configured) return { admin: adminTokenOf(configured) };
  const stored = await settings.get(generatedTokenSetting.digest);
  if (stored !== undefined) return { admin: storedDigest(stored) };
  const fresh = `gg-${randomBytes(24).toString('base64url')}`;
  const freshHex = adminTokenHex(adminTokenOf(fresh));
  const kept = await settings.putIfAbsent(generatedTokenSetting.digest, freshHex, nowMs);
  const admin = storedDigest(kept);
  return kept === freshHex ? { admin, generated: fresh } : { admin };
}

function storedDigest(hex: string): AdminToken {
  const admin = adminTokenFromHex(hex);
  if (!admin)
    throw new Error(`The stored ${generatedTokenSetting.digest} is not a SHA-256 digest; set AUTH_TOKEN.`);
  return admin;
}
