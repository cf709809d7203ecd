import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '../..');
const web = join(root, 'web');

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? filesUnder(join(folder, entry.name)) : [join(folder, entry.name)],
    )
    .sort();
}

/**
 * The console built from web/ as it is now, into a folder named by a hash of its sources: test
 * files running at once share one build, and a change to web/ builds afresh. dist/ is left alone.
 */
export async function buildConsole(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(web), join(root, 'package-lock.json')]) {
    hash.update(file).update(readFileSync(file));
  }
  const directory = join(tmpdir(), `gemgate-console-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(directory, 'index.html'))) return directory;
  const scratch = `${directory}.${process.pid}`;
  await build({
    configFile: join(web, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: scratch, emptyOutDir: true },
  });
  try {
    renameSync(scratch, directory);
  } catch (error) {
    // Another test file finished the same build first.
    if (!existsSync(join(directory, 'index.html')) || !statSync(directory).isDirectory()) throw error;
    rmSync(scratch, { recursive: true, force: true });
  }
  return directory;
}
