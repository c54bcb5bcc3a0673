// Builds dist/inband.cjs (one esbuild bundle) and dist/inband (a Node single executable application
// made from it with postject), plus a symlink per tool name so the binary runs busybox style.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { writeConsole } from './console.mjs';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
const work = path.join(root, '.build');
const pkg = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8'));
const bundleOnly = process.argv.includes('--bundle-only');

await fs.mkdir(dist, { recursive: true });
await fs.mkdir(work, { recursive: true });

const bundle = path.join(dist, 'inband.cjs');
await build({
  entryPoints: [path.join(root, 'src/cli.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  // No keepNames: it wraps every function expression in a call that defines its name property,
  // run each time a closure is made, which cost a fifth of a poll's CPU (bench/service.bench.mjs).
  // Identifiers are not minified, so names in stack traces stay readable.
  keepNames: false,
  legalComments: 'none',
  // pg loads its optional libpq binding (pg-native) only when asked for pg.native, which inband never is:
  // the pure-JS client is what goes into the single executable.
  external: ['pg-native'],
  define: { __INBAND_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
console.log(`bundle   ${path.relative(root, bundle)} (${((await fs.stat(bundle)).size / 1024).toFixed(0)} KiB)`);

// The web console: beside the bundle (bin/inband reads it there) and inside the executable.
const consoleDir = path.join(dist, 'console');
const consoleBuild = await writeConsole(consoleDir);
console.log(`console  ${path.relative(root, consoleDir)}/ (${consoleBuild.names.join(', ')}: ${(consoleBuild.gzipBytes / 1024).toFixed(1)} KiB gzipped)`);

if (!bundleOnly) {
  const sqliteAddon = path.join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  await fs.access(sqliteAddon).catch(() => {
    throw new Error(`${path.relative(root, sqliteAddon)} is missing: run npm ci (it builds better-sqlite3 from source)`);
  });
  const blob = path.join(work, 'inband.blob');
  const seaConfig = path.join(work, 'sea-config.json');
  await fs.writeFile(
    seaConfig,
    JSON.stringify({
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      // The executable cannot `require` a native addon from node_modules; the store writes this
      // one out and loads it (src/server/store/sqlite/native-sqlite.ts). better-sqlite3's JS is bundled.
      // The console's files are served from these assets (src/server/console/assets.ts).
      assets: {
        'better_sqlite3.node': sqliteAddon,
        ...Object.fromEntries(consoleBuild.names.map((name) => [`console/${name}`, path.join(consoleDir, name)])),
      },
    }),
  );
  await run(process.execPath, ['--experimental-sea-config', seaConfig], { cwd: root });
  const binary = path.join(dist, 'inband');
  const staging = `${binary}.tmp`;
  await fs.copyFile(process.execPath, staging);
  await fs.chmod(staging, 0o755);
  const postject = path.join(root, 'node_modules', 'postject', 'dist', 'cli.js');
  await run(process.execPath, [
    postject,
    staging,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ]);
  await fs.rename(staging, binary);
  console.log(`binary   ${path.relative(root, binary)} (${((await fs.stat(binary)).size / 1024 / 1024).toFixed(0)} MiB)`);

  const { ALL_TOOLS } = await import(pathToImport(path.join(work, 'tools.mjs'), await toolsModule()));
  for (const tool of ALL_TOOLS) {
    const link = path.join(dist, tool.name);
    await fs.rm(link, { force: true });
    await fs.symlink('inband', link);
  }
  console.log(`symlinks ${ALL_TOOLS.map((t) => t.name).join(' ')}`);
}

/** The tool list lives in TypeScript; compile that one module so the symlinks always match the dispatcher. */
async function toolsModule() {
  await build({
    entryPoints: [path.join(root, 'src/cli/tools.ts')],
    outfile: path.join(work, 'tools.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
}

function pathToImport(file) {
  return `file://${file}`;
}
