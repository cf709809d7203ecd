/**
 * Rows or ids per statement for tables keyed by key id: far below every driver's limit on bound
 * parameters (SQLite's 32,766, PostgreSQL's 65,535), with a pool of 100,000 keys written at once.
 */
const keysPerStatement = 1000;

/** `items` in consecutive slices of at most `size`, for statements that each bind one slice. */
export function inChunks<T>(items: readonly T[], size = keysPerStatement): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
