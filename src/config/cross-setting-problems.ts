import type { SettingProblem } from './check-setting-values.js';
import { parseBucketTarget, type UploadSettings } from './parse-bucket-target.js';

/** The settings that are checked against each other. */
export interface CrossCheckedSettings extends UploadSettings {
  readonly API_KEYS: readonly string[];
  readonly VERTEX_API_KEYS: readonly string[];
}

/**
 * Problems that no single value has, only a combination of live settings: checked at start and
 * again on the whole result of every save, so a save cannot make a combination the start refuses.
 * Messages name entries by position, never by value (they are secrets). Pure.
 */
export function crossSettingProblems(settings: CrossCheckedSettings): SettingProblem[] {
  const problems: SettingProblem[] = [];
  // One key in both lists would be one pool key of one kind: the other list would silently lose it.
  const aiStudio = new Set(settings.API_KEYS);
  const both = settings.VERTEX_API_KEYS.findIndex((key) => aiStudio.has(key));
  if (both !== -1) {
    problems.push({
      name: 'VERTEX_API_KEYS',
      message: `entry ${both + 1} is also in API_KEYS: a key is either an AI Studio key or a Vertex AI express key`,
    });
  }
  // UPLOAD_PROVIDER s3 or aliyun_oss needs a whole bucket: endpoint, name and credentials.
  problems.push(...parseBucketTarget(settings).problems);
  return problems;
}
