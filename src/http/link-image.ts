import type { GeminiInlineData } from '../protocols/gemini/gemini-types.js';
import type { ImageStore } from '../storage/create-image-store.js';
import type { ImageUploader } from '../upstream/create-image-uploader.js';

/** Where generated images can be published. */
export interface ImageLinks {
  readonly imageStore: ImageStore;
  /** The bucket of UPLOAD_PROVIDER s3 or aliyun_oss; undefined for local. */
  readonly imageUploader?: ImageUploader;
}

/**
 * The URL a client reads a generated image at: the bucket's, when UPLOAD_PROVIDER uploads and the
 * upload works; else the gateway's own `/images/{id}` (`gatewayBase`, read only then), kept an
 * hour in memory. A bucket that fails costs the client nothing but that the image is served by
 * this instance.
 */
export async function linkImage(
  links: ImageLinks,
  image: GeminiInlineData,
  gatewayBase: () => string,
): Promise<string> {
  const uploaded = await links.imageUploader?.upload(image.mimeType, image.data);
  return uploaded ?? `${gatewayBase()}/images/${links.imageStore.put(image.mimeType, image.data)}`;
}
