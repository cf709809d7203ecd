import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

/** One file of the built console, with the compressed copies the build wrote beside it. */
export interface ConsoleFile {
  readonly type: string;
  readonly bytes: Buffer;
  readonly br: Buffer | undefined;
  readonly gzip: Buffer | undefined;
  readonly etag: string;
}

/** The built console by URL path (`/index.html`, `/assets/index-3f2a.js`), or undefined when not built. */
export type ConsoleFiles = ReadonlyMap<string, ConsoleFile> | undefined;

const types: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const readIf = (path: string) => (existsSync(path) ? readFileSync(path) : undefined);

/**
 * Reads the console `npm run build` wrote (web/ → dist/web) into memory once: a few files of some
 * tens of KB, served without a disk read per request. Undefined when the console was not built.
 */
export function loadConsoleFiles(directory: string): ConsoleFiles {
  if (!existsSync(join(directory, 'index.html'))) return undefined;
  const files = new Map<string, ConsoleFile>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!/\.(br|gz)$/.test(entry.name)) {
        const bytes = readFileSync(path);
        files.set(`/${relative(directory, path).split(sep).join('/')}`, {
          type: types[extname(entry.name)] ?? 'application/octet-stream',
          bytes,
          br: readIf(`${path}.br`),
          gzip: readIf(`${path}.gz`),
          etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`,
        });
      }
    }
  };
  walk(directory);
  return files;
}
