/** A point of a series: the start of its bucket (epoch ms) and its values. */
export interface BucketPoint {
  readonly bucket: number;
}

/**
 * Every bucket start from the one holding `fromMs` to the one holding `toMs`, and for each
 * measure its value per bucket (0 where the series has no point: no request is zero requests).
 * Pure.
 */
export function fillBuckets<P extends BucketPoint>(
  points: readonly P[],
  bucketMs: number,
  fromMs: number,
  toMs: number,
  measures: readonly string[],
): { times: number[]; values: Record<string, number[]> } {
  const byBucket = new Map(points.map((point) => [point.bucket, point]));
  const first = Math.floor(fromMs / bucketMs) * bucketMs;
  const times: number[] = [];
  const values: Record<string, number[]> = Object.fromEntries(measures.map((name) => [name, []]));
  for (let bucket = first; bucket <= toMs; bucket += bucketMs) {
    times.push(bucket);
    const point = byBucket.get(bucket);
    for (const name of measures) {
      const value = (point as Record<string, unknown> | undefined)?.[name];
      values[name]?.push(typeof value === 'number' && Number.isFinite(value) ? value : 0);
    }
  }
  return { times, values };
}
