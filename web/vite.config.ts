import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes a Brotli and a gzip copy beside each text asset, once at build time: the gateway serves
 * whichever the browser accepts without compressing anything per request or at start.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'gemgate-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const walk = (directory: string): string[] =>
        readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
          entry.isDirectory() ? walk(join(directory, entry.name)) : [join(directory, entry.name)],
        );
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
        const bytes = readFileSync(file);
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

// The console: a single-page app the gateway serves from dist/web (http/console-routes.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // Preact's JSX runtime: 5.5 KB compressed against React's 66 (README, "Console").
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [precompress()],
  build: {
    outDir: join(import.meta.dirname, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // No inlined assets: the page's Content-Security-Policy allows scripts and styles from files only.
    assetsInlineLimit: 0,
  },
});
