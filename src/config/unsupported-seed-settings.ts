/**
 * gemini-balance's settings that gemgate does not support yet (❌ in ../shared/SEED-SETTINGS.md).
 * An operator who brings a seed `.env` must not think they apply: any of them set at start is named
 * in one warning. A setting leaves this list when settingsSchema learns it; a test checks that every
 * seed setting is in exactly one of the two.
 */
export const unsupportedSeedSettings: readonly string[] = [
  // Upstream
  'URL_NORMALIZATION_ENABLED',
  // Speech
  // Images: gemgate serves generated images itself instead of uploading them.
  'UPLOAD_PROVIDER',
  'SMMS_SECRET_TOKEN',
  'PICGO_API_KEY',
  'PICGO_API_URL',
  'CLOUDFLARE_IMGBED_URL',
  'CLOUDFLARE_IMGBED_AUTH_CODE',
  'CLOUDFLARE_IMGBED_UPLOAD_FOLDER',
  'OSS_ENDPOINT',
  'OSS_ENDPOINT_INNER',
  'OSS_ACCESS_KEY',
  'OSS_ACCESS_KEY_SECRET',
  'OSS_BUCKET_NAME',
  'OSS_REGION',
  // Scheduler and update check
  'TIMEZONE',
  'GITHUB_REPO_OWNER',
  'GITHUB_REPO_NAME',
  // Files API
];

// A blank value, an empty list or map asks for nothing: the seed's .env templates carry them.
export const asksForNothing = (value: string) => ['', '[]', '{}', '""', "''"].includes(value.trim());

/**
 * The unsupported seed settings an environment sets, by name only: several of them
 * (VERTEX_API_KEYS, OSS_ACCESS_KEY_SECRET, ...) are secrets, so their values are never read out.
 */
export function unsupportedSeedSettingsIn(
  environment: Readonly<Record<string, string | undefined>>,
): string[] {
  return unsupportedSeedSettings.filter((name) => {
    const value = environment[name];
    return value !== undefined && !asksForNothing(value);
  });
}
