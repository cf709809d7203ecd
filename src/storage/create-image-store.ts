import { randomBytes } from 'node:crypto';

export interface StoredImage {
  readonly mimeType: string;
  readonly bytes: Buffer;
}

export interface ImageStoreOptions {
  /** The most images kept (500). */
  readonly maxImages?: number;
  /** The most bytes all kept images may weigh together (256 MiB): a few large images cannot fill memory. */
  readonly maxBytes?: number;
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * Images the gateway generated, served from its own URL for an hour instead of a third-party image
 * host (whose failure failed the seed's chats). Held in memory, bounded in count and in bytes; the
 * oldest go first when full, and an image larger than the whole budget is not kept. Ids are
 * unguessable, so the URL is the capability.
 */
export function createImageStore(options: ImageStoreOptions = {}) {
  const maxImages = options.maxImages ?? 500;
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const ttlMs = options.ttlMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  // Insertion order is expiry order (one lifetime for all), so the oldest is always first.
  const images = new Map<string, StoredImage & { expiresAt: number }>();
  let totalBytes = 0;

  function dropOldest(): void {
    const [id, image] = images.entries().next().value as [string, StoredImage];
    images.delete(id);
    totalBytes -= image.bytes.length;
  }

  return {
    put(mimeType: string, base64: string): string {
      const id = randomBytes(16).toString('base64url');
      const bytes = Buffer.from(base64, 'base64');
      const nowMs = now();
      while (images.size > 0 && (images.values().next().value as { expiresAt: number }).expiresAt <= nowMs)
        dropOldest();
      if (bytes.length > maxBytes) return id;
      images.set(id, { mimeType, bytes, expiresAt: nowMs + ttlMs });
      totalBytes += bytes.length;
      while (images.size > maxImages || totalBytes > maxBytes) dropOldest();
      return id;
    },
    get(id: string): StoredImage | undefined {
      const image = images.get(id);
      if (!image) return undefined;
      if (image.expiresAt <= now()) {
        images.delete(id);
        totalBytes -= image.bytes.length;
        return undefined;
      }
      return image;
    },
    /** Bytes held now. */
    size: () => totalBytes,
  };
}

export type ImageStore = ReturnType<typeof createImageStore>;
