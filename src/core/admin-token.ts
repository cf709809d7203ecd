import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The admin token as the gateway holds it: its SHA-256 only. A generated token is stored so (the
 * database never holds it in plain text), and every comparison is of digests, so it takes as long
 * for any guess, whatever its length or how much of it is right.
 */
export interface AdminToken {
  readonly digest: Buffer;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function adminTokenOf(token: string): AdminToken {
  return { digest: sha256(token) };
}

/** A stored digest (64 hex digits), or undefined when the text is not one. */
export function adminTokenFromHex(hex: string): AdminToken | undefined {
  return /^[0-9a-f]{64}$/.test(hex) ? { digest: Buffer.from(hex, 'hex') } : undefined;
}

export const adminTokenHex = (admin: AdminToken): string => admin.digest.toString('hex');

export function isAdminToken(admin: AdminToken, token: string | undefined): boolean {
  return token !== undefined && token !== '' && timingSafeEqual(sha256(token), admin.digest);
}

/**
 * What a session records of the token it was opened with: a value derived from the digest, not the
 * digest itself, so a leaked session table does not hold what a guess is checked against. A
 * session whose fingerprint is not the current token's died with a change of AUTH_TOKEN.
 */
export function adminTokenFingerprint(admin: AdminToken): string {
  return createHash('sha256').update('gemgate session\0').update(admin.digest).digest('hex');
}
