import { randomBytes } from 'node:crypto';

export interface StoredImage {
  readonly mimeType: string;
  readonly bytes: Buffer;
}

/**
 * Images the gateway generated, served from its own URL for an hour instead of a third-party image
 * host (whose failure failed the seed's chats). Held in memory, newest kept when full; ids are
 * unguessable, so the URL is the capability.
 */
export function createImageStore(options: { maxImages?: number; ttlMs?: number; now?: () => number } = {}) {
  const maxImages = options.maxImages ?? 500;
  const ttlMs = options.ttlMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const images = new Map<string, StoredImage & { expiresAt: number }>();

  return {
    put(mimeType: string, base64: string): string {
      const id = randomBytes(16).toString('base64url');
      images.set(id, { mimeType, bytes: Buffer.from(base64, 'base64'), expiresAt: now() + ttlMs });
      while (images.size > maxImages) images.delete(images.keys().next().value as string);
      return id;
    },
    get(id: string): StoredImage | undefined {
      const image = images.get(id);
      if (!image) return undefined;
      if (image.expiresAt <= now()) {
        images.delete(id);
        return undefined;
      }
      return image;
    },
  };
}

export type ImageStore = ReturnType<typeof createImageStore>;
