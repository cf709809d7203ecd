import { maskSecretValue } from '../config/describe-settings.js';
import type { SeedImportPlan, SeedKeyPlan } from '../config/plan-seed-import.js';
import { settingEntry } from '../config/setting-catalog.js';

export interface SeedImportReport {
  readonly plan: SeedImportPlan;
  /** The seed's database, as describeSeedSource names it. */
  readonly source: string;
  /** gemgate's database. */
  readonly target: string;
  readonly dryRun: boolean;
}

/** Keys listed by mask before the rest are only counted: a pool of thousands stays readable. */
const maxKeysListed = 20;
/** Characters of a setting's value shown; the rest is cut. */
const maxValueShown = 120;

/**
 * A value as one printable line: a hostile value cannot move the cursor, clear the terminal or
 * fill the screen.
 */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '\uFFFD');
  return line.length > maxValueShown ? `${line.slice(0, maxValueShown)}…` : line;
}

function shownValue(name: string, text: string, value: unknown): string {
  return settingEntry(name).secret ? JSON.stringify(maskSecretValue(value)) : printable(text);
}

const sourceNames = { default: "gemgate's default", env: 'the environment or .env', saved: 'saved' } as const;

function keyLines(keys: SeedKeyPlan): string[] {
  const lines = [`Keys in API_KEYS, for gemgate's key table (managed in its console, /api/keys):`];
  if (keys.listProblem)
    lines.push(`  not read as a list (${keys.listProblem}): keys were looked for anywhere in its text`);
  const listed = keys.fresh.slice(0, maxKeysListed).map((key) => key.masked);
  const more = keys.fresh.length - listed.length;
  lines.push(
    keys.fresh.length === 0
      ? '  new: none'
      : `  new (${keys.fresh.length}): ${listed.join(', ')}${more > 0 ? `, and ${more} more` : ''}`,
  );
  if (keys.present > 0) lines.push(`  already in gemgate: ${keys.present}`);
  if (keys.duplicates > 0) lines.push(`  repeated in the seed's list (taken once): ${keys.duplicates}`);
  if (keys.malformedCount > 0) {
    lines.push(`  not keys, left out: ${keys.malformedCount}`);
    for (const { place, problem } of keys.malformed) lines.push(`    ${place} ${problem}`);
    const unlisted = keys.malformedCount - keys.malformed.length;
    if (unlisted > 0) lines.push(`    and ${unlisted} more`);
  }
  for (const collision of keys.collisions) lines.push(`  left out: ${collision}`);
  return lines;
}

function closingLine(report: SeedImportReport): string {
  const settings = Object.keys(report.plan.settings).length;
  const keys = report.plan.keys.length;
  const counted = `${settings} setting${settings === 1 ? '' : 's'} and ${keys} key${keys === 1 ? '' : 's'}`;
  if (settings + keys === 0)
    return `Nothing new to import: gemgate already has everything it can take from this database${report.dryRun ? ' (dry run: nothing was written)' : ''}.`;
  if (report.dryRun) return `Dry run: nothing was written. Without --dry-run, ${counted} would be imported.`;
  return `Imported ${counted}. A gemgate already running reads them at its next start.`;
}

/** What the import took, what it skipped and why, as lines for a terminal; no secret in them. Pure. */
export function formatSeedImportReport(report: SeedImportReport): string {
  const { decisions } = report.plan;
  const lines = [
    `gemini-balance settings: ${report.source}, ${decisions.length} row${decisions.length === 1 ? '' : 's'}`,
    `gemgate database: ${report.target}`,
    '',
  ];
  const taken = decisions.filter((decision) => decision.kind === 'take');
  lines.push(`Taken as gemgate settings (${taken.length}):`);
  for (const decision of taken)
    lines.push(
      `  ${decision.name} = ${shownValue(decision.name, decision.text, decision.value)}  (was: ${sourceNames[decision.replaces]})`,
    );
  for (const decision of decisions) if (decision.kind === 'keys') lines.push('', ...keyLines(decision.keys));
  const skipped = decisions.filter((decision) => decision.kind === 'skip');
  lines.push('', `Skipped (${skipped.length}):`);
  for (const decision of skipped) lines.push(`  ${decision.name}: ${decision.reason}`);
  lines.push(
    '',
    "Not imported: the seed's request log, error log and Files API records (t_request_log, t_error_logs, " +
      't_file_records). Its logs name keys in full and its file records point at uploads that live with ' +
      'its keys at Google; gemgate keeps logs of its own from its first request.',
    '',
    closingLine(report),
  );
  return `${lines.join('\n')}\n`;
}
