// Builds the web console (src/console/, browser code) into three files: index.html, app.js,
// app.css. build/bundle.mjs writes them to dist/console/ and embeds them in the single executable;
// tests call buildConsole() to check what ships. The size budget is enforced here, at build time.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const source = path.join(root, 'src', 'console');

/** The whole console as a browser downloads it, gzipped (issue 12: at most 150 KB). */
export const CONSOLE_GZIP_BUDGET_BYTES = 150 * 1000;

/** Returns { 'index.html': Buffer, 'app.js': Buffer, 'app.css': Buffer }. */
export async function buildConsole() {
  const result = await build({
    entryPoints: { app: path.join(source, 'main.tsx') },
    outdir: path.join(root, '.build', 'console-out'),
    write: false,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    tsconfig: path.join(source, 'tsconfig.json'),
    logLevel: 'warning',
  });
  const files = {};
  for (const file of result.outputFiles) files[path.basename(file.path)] = Buffer.from(file.contents);
  files['index.html'] = await fs.readFile(path.join(source, 'index.html'));
  for (const name of ['index.html', 'app.js', 'app.css']) if (!files[name]) throw new Error(`console build made no ${name}`);
  const gzipBytes = Object.values(files).reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
  if (gzipBytes > CONSOLE_GZIP_BUDGET_BYTES) throw new Error(`the console is ${gzipBytes} bytes gzipped, over its ${CONSOLE_GZIP_BUDGET_BYTES}-byte budget`);
  return { files, gzipBytes };
}

export async function writeConsole(dir) {
  const { files, gzipBytes } = await buildConsole();
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) await fs.writeFile(path.join(dir, name), body);
  return { names: Object.keys(files), gzipBytes };
}
