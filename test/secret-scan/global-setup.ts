import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findSecrets, minimumSecretLength, type SecretFinding } from './find-secrets.js';
import { joinHttpChunks } from './join-http-chunks.js';
import { isAnswersFile, readStackRecords } from './stack-record.js';

/**
 * The secret scan after the whole suite: every gateway started through startStack records its log
 * lines, answers, rows and secrets into a folder (test/helpers/start-stack.ts); when all tests are
 * done, every secret is looked for in every recorded text, in every encoding.
 */
export default function setup(project: TestProject): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'gemgate-secret-scan-'));
  project.provide('secretScanFolder', folder);
  return () => {
    // Vitest 4 only prints an error thrown by a global teardown and still exits 0, so the scan
    // sets the exit code itself.
    try {
      const clean = scan(folder);
      if (clean) rmSync(folder, { recursive: true, force: true });
      else {
        process.exitCode = 1;
        console.error(`secret scan: the recording is kept in ${folder}`);
      }
    } catch (error) {
      process.exitCode = 1;
      console.error('secret scan: could not run', error);
    }
  };
}

function scan(folder: string): boolean {
  const started = performance.now();
  const { stacks, texts, secrets, droppedAnswerBytes } = readStackRecords(folder);
  const longEnough = (secret: string) => secret.length >= minimumSecretLength;
  const distinct = new Set(secrets);
  const whole = findSecrets(texts, distinct);
  const label = (finding: SecretFinding) => `${finding.file}\0${finding.encoding}\0${finding.secret}`;
  const found = new Set(whole.map(label));
  // Joined answers are read for what only joining reveals: a secret split over two HTTP chunks.
  const split = findSecrets(
    texts
      .filter(({ name }) => isAnswersFile(name))
      .map(({ name, text }) => ({ name, text: joinHttpChunks(text) })),
    distinct,
  )
    .filter((finding) => !found.has(label(finding)))
    .map((finding) => ({ ...finding, encoding: `${finding.encoding} split over HTTP chunks` }));
  const findings = [...whole, ...split];
  const bytes = texts.reduce((total, { text }) => total + text.length, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `secret scan: ${stacks} gateways, ${texts.length} files, ${bytes} bytes ` +
      `(${droppedAnswerBytes} answer bytes over the cap not recorded); ` +
      `${[...distinct].filter(longEnough).length} of ${distinct.size} distinct keys and admin tokens ` +
      `scanned (${secrets.filter(longEnough).length} of ${secrets.length} as held per gateway), the rest ` +
      `shorter than ${minimumSecretLength} characters; ${findings.length} findings; ${seconds} s`,
  );
  for (const finding of findings) {
    console.error(
      `secret scan: ${finding.secret} found ${finding.occurrences}× as ${finding.encoding} in ${finding.file}`,
    );
  }
  return findings.length === 0;
}
