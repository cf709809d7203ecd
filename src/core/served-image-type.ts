// Raster formats a browser only ever shows as images, with the file extension each goes by.
const rasterImages: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/heif': 'heif',
};

const download = { contentType: 'application/octet-stream', extension: 'bin' } as const;

/**
 * How bytes a model (or whatever answers at BASE_URL) called an image are served, by the gateway
 * or a bucket: as that image when it is a raster format; anything else (SVG, which can carry
 * script; a page a hostile upstream calls an image) as bytes to download, never as a page of the
 * gateway's origin, where the console lives, or of the bucket's.
 */
export function servedImageType(mimeType: string): {
  readonly contentType: string;
  readonly extension: string;
} {
  const type = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  const extension = rasterImages[type];
  return extension ? { contentType: type, extension } : download;
}
