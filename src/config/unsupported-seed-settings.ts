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
  // Images: gemgate serves generated images itself or uploads them to a bucket (s3, aliyun_oss),
  // not to the seed's image hosts.
  'SMMS_SECRET_TOKEN',
  'PICGO_API_KEY',
  'PICGO_API_URL',
  'CLOUDFLARE_IMGBED_URL',
  'CLOUDFLARE_IMGBED_AUTH_CODE',
  'CLOUDFLARE_IMGBED_UPLOAD_FOLDER',
  // Scheduler and update check
  'TIMEZONE',
  'GITHUB_REPO_OWNER',
  'GITHUB_REPO_NAME',
  // Files API
];

/**
 * Seed settings gemgate supports with only some of the seed's values: set to one of these, the
 * setting is named too. UPLOAD_PROVIDER's image hosts are read as `local` (the gateway serves).
 */
export const unsupportedSeedValues: Readonly<Record<string, readonly string[]>> = {
  UPLOAD_PROVIDER: ['smms', 'picgo', 'cloudflare_imgbed'],
};

// A blank value, an empty list or map asks for nothing: the seed's .env templates carry them.
export const asksForNothing = (value: string) => ['', '[]', '{}', '""', "''"].includes(value.trim());

/**
 * The unsupported seed settings an environment sets, by name only: several of them
 * (SMMS_SECRET_TOKEN, CLOUDFLARE_IMGBED_AUTH_CODE, ...) are secrets, so their values are never read
 * out. Then the settings set to a value gemgate does not support (unsupportedSeedValues).
 */
export function unsupportedSeedSettingsIn(
  environment: Readonly<Record<string, string | undefined>>,
): string[] {
  const unsupported = unsupportedSeedSettings.filter((name) => {
    const value = environment[name];
    return value !== undefined && !asksForNothing(value);
  });
  for (const [name, values] of Object.entries(unsupportedSeedValues)) {
    if (values.includes(environment[name]?.trim().toLowerCase() ?? '')) unsupported.push(name);
  }
  return unsupported;
}
