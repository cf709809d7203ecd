import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where every stack records what the secret scan reads; made by test/secret-scan/global-setup.ts. */
    secretScanFolder: string;
  }
}

/** What one gateway of the suite said and held, for the secret scan after the whole suite. */
export interface StackRecord {
  /** Its log lines. */
  readonly logs: string;
  /** Every byte it sent to clients, as latin1 text. */
  readonly answers: string;
  /** Answer bytes past the recording's cap, not scanned. */
  readonly droppedAnswerBytes: number;
  /** Its database's rows, one JSON line each. */
  readonly rows: string;
  /** The keys it held and its admin token. */
  readonly secrets: readonly string[];
}

const textFiles = { logs: 'logs.txt', answers: 'answers.txt', rows: 'rows.jsonl' } as const;

export const isAnswersFile = (name: string) => name.endsWith(textFiles.answers);

export function writeStackRecord(folder: string, record: StackRecord): void {
  const directory = mkdtempSync(join(folder, 'stack-'));
  writeFileSync(join(directory, textFiles.logs), record.logs);
  writeFileSync(join(directory, textFiles.answers), record.answers, 'latin1');
  writeFileSync(join(directory, textFiles.rows), record.rows);
  writeFileSync(
    join(directory, 'held.json'),
    JSON.stringify({ secrets: record.secrets, droppedAnswerBytes: record.droppedAnswerBytes }),
  );
}

export interface RecordedStacks {
  readonly stacks: number;
  /** Every recorded text, read as latin1 (one character per byte), named by its path in the folder. */
  readonly texts: { name: string; text: string }[];
  /** What each stack held, one entry per stack that held it. */
  readonly secrets: string[];
  readonly droppedAnswerBytes: number;
}

export function readStackRecords(folder: string): RecordedStacks {
  const texts: { name: string; text: string }[] = [];
  const secrets: string[] = [];
  let droppedAnswerBytes = 0;
  const directories = readdirSync(folder);
  for (const directory of directories) {
    for (const file of Object.values(textFiles)) {
      const name = join(directory, file);
      texts.push({ name, text: readFileSync(join(folder, name), 'latin1') });
    }
    const held = JSON.parse(readFileSync(join(folder, directory, 'held.json'), 'utf8')) as {
      secrets: string[];
      droppedAnswerBytes: number;
    };
    secrets.push(...held.secrets);
    droppedAnswerBytes += held.droppedAnswerBytes;
  }
  return { stacks: directories.length, texts, secrets, droppedAnswerBytes };
}
