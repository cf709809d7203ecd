import { randomBytes } from 'node:crypto';
import type { BucketTarget } from '../config/parse-bucket-target.js';
import { servedImageType } from '../core/served-image-type.js';
import { putS3Object } from './put-s3-object.js';
import { encodeS3Path } from './sign-aws-v4.js';

export interface ImageUploader {
  /**
   * Uploads a generated image (base64) and returns the URL clients read it at; undefined when the
   * upload failed, for the caller to serve the image itself. Never throws.
   */
  upload(mimeType: string, base64: string): Promise<string | undefined>;
}

export interface ImageUploaderOptions {
  readonly target: BucketTarget;
  readonly now: () => number;
  /** How long one upload may take before the image is served by the gateway instead. */
  readonly timeoutMs: number;
  /** The first failure after uploads worked (or since this uploader was made): one warning per outage. */
  readonly onOutage: (report: { readonly bucket: string; readonly reason: string }) => void;
  /** The first upload that works after an outage, with how many failed meanwhile. */
  readonly onRecovery: (report: { readonly failed: number }) => void;
}

/**
 * Uploads generated images to a bucket (BucketTarget) under an unguessable name: the prefix, 128
 * random bits and an extension from the image's type, typed as servedImageType says. A failure is
 * reported once per outage, by reason only (no key, no signature), and the caller falls back to
 * serving the image.
 */
export function createImageUploader(options: ImageUploaderOptions): ImageUploader {
  const { target } = options;
  const bucket = new URL(target.bucketUrl).origin;
  let failed = 0;
  return {
    async upload(mimeType, base64) {
      const { contentType, extension } = servedImageType(mimeType);
      const key = `${target.keyPrefix}${randomBytes(16).toString('base64url')}.${extension}`;
      const result = await putS3Object(
        target,
        { key, body: Buffer.from(base64, 'base64'), contentType },
        { nowMs: options.now(), timeoutMs: options.timeoutMs },
      );
      if (!result.ok) {
        if (failed === 0) options.onOutage({ bucket, reason: result.reason });
        failed += 1;
        return undefined;
      }
      if (failed > 0) options.onRecovery({ failed });
      failed = 0;
      return `${target.publicUrl}/${encodeS3Path(key)}`;
    },
  };
}
