import { describe, expect, it } from 'vitest';
import { parseSettings } from '../config/load-settings.js';
import { type GemgateHoldings, planSeedImport, type SeedRow } from '../config/plan-seed-import.js';
import { layerSettings } from '../config/settings-store.js';
import { formatSeedImportReport } from './format-seed-import-report.js';

const key = (label: string) => `AIza${`Report_${label}`.padEnd(35, 'x')}`;
const snapshot = layerSettings(parseSettings({}), () => false, {}, {}, 1);
const nothingHeld: GemgateHoldings = {
  settings: snapshot.settings,
  sources: snapshot.sources,
  runtimeKeys: [],
};

const report = (rows: SeedRow[], dryRun = false, held = nothingHeld) =>
  formatSeedImportReport({
    plan: planSeedImport(rows, held),
    source: 'seed.db (SQLite)',
    target: 'data/gemgate.db (SQLite)',
    dryRun,
  });

describe('formatSeedImportReport', () => {
  it('shows what was taken, the keys by mask, what was skipped and why, and what is never imported', () => {
    const text = report([
      { name: 'API_KEYS', value: JSON.stringify([key('a'), key('a'), 'AIzaShort']) },
      { name: 'ALLOWED_TOKENS', value: '["sk-a-long-client-token-1"]' },
      { name: 'TEST_MODEL', value: 'gemini-2.5-pro' },
      { name: 'CLOUDFLARE_IMGBED_AUTH_CODE', value: key('imgbed') },
    ]);
    expect(text).toContain('gemini-balance settings: seed.db (SQLite), 4 rows');
    expect(text).toContain('ALLOWED_TOKENS = ["sk-a…en-1"]  (was: gemgate\'s default)');
    expect(text).toContain("TEST_MODEL = gemini-2.5-pro  (was: gemgate's default)");
    expect(text).toContain('new (1): AIza…xxxx');
    expect(text).toContain("repeated in the seed's list (taken once): 1");
    expect(text).toContain('entry 3 starts like a Google API key but has 9 characters, not 39');
    expect(text).toContain('CLOUDFLARE_IMGBED_AUTH_CODE: gemgate does not support this setting yet');
    expect(text).toContain('t_request_log, t_error_logs, t_file_records');
    expect(text).toContain('Imported 2 settings and 1 key. ');
    for (const secret of [key('a'), key('imgbed'), 'sk-a-long-client-token-1', 'AIzaShort'])
      expect(text).not.toContain(secret);
  });

  it('prints a value with control characters on one line, cut short', () => {
    const text = report([{ name: 'TEST_MODEL', value: `evil\u001b[2J\r\nmodel${'m'.repeat(500)}` }]);
    const line = text.split('\n').find((candidate) => candidate.includes('TEST_MODEL ='));
    expect(line).toContain('evil\uFFFD[2J\uFFFD\uFFFDmodel');
    expect(line?.length).toBeLessThan(200);
  });

  it('lists twenty keys by mask and counts the rest', () => {
    const keys = Array.from({ length: 25 }, (_, index) => key(`k${index}`));
    expect(report([{ name: 'API_KEYS', value: JSON.stringify(keys) }])).toContain(', and 5 more');
  });

  it.each([
    [false, [{ name: 'TEST_MODEL', value: 'gemini-2.5-flash-lite' }], 'Nothing new to import'],
    [
      true,
      [{ name: 'TEST_MODEL', value: 'gemini-2.5-flash-lite' }],
      'Nothing new to import: gemgate already has everything it can take from this database (dry run: nothing was written).',
    ],
    [
      true,
      [{ name: 'TEST_MODEL', value: 'gemini-2.5-pro' }],
      'Dry run: nothing was written. Without --dry-run, 1 setting and 0 keys would be imported.',
    ],
  ])('ends with what was done (dry run %s)', (dryRun, rows, closing) => {
    expect(report(rows, dryRun)).toContain(closing);
  });
});
