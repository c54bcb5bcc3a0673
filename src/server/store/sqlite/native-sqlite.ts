import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sea from 'node:sea';

declare const __INBAND_VERSION__: string | undefined;

/**
 * better-sqlite3's native addon inside the single executable. A SEA can `require` only built-in
 * modules, so build/bundle.mjs embeds the addon as an asset; here it is written once to a file
 * named by its hash (dlopen needs a file) and loaded with process.dlopen. better-sqlite3 accepts
 * the loaded exports as its `nativeBinding` option and then never calls `require('bindings')`.
 */

/** The asset's key in the SEA config (build/bundle.mjs). */
export const SQLITE_ADDON_ASSET = 'better_sqlite3.node';

/** The addon's exports, by content hash: a process loads each build once, whatever the data dir. */
const loadedAddons = new Map<string, object>();

/**
 * What to pass as better-sqlite3's `nativeBinding` option: the addon loaded from the executable's
 * asset when running as the single executable (cached under `<dataDir>/.native/`); the path of the
 * addon in node_modules when running as the bundle under node; otherwise (from source) undefined,
 * so that better-sqlite3 finds its build as usual.
 */
export function sqliteNativeBinding(dataDir: string): object | string | undefined {
  if (!sea.isSea()) return runningAsBundle() ? addonBesideBundle() : undefined;
  let asset: ArrayBuffer;
  try {
    asset = sea.getAsset(SQLITE_ADDON_ASSET);
  } catch (error) {
    throw new Error(`this inband executable carries no SQLite addon (asset ${SQLITE_ADDON_ASSET}): rebuild it with build/bundle.mjs`, {
      cause: error,
    });
  }
  return loadAddonFromBytes(new Uint8Array(asset), path.join(dataDir, '.native'));
}

/**
 * dist/inband.cjs run by plain node (bin/inband): better-sqlite3's JS is inside the bundle, so its
 * `bindings` lookup starts from dist/ and misses the addon; name the one in node_modules instead.
 */
function addonBesideBundle(): string {
  try {
    return createRequire(__filename).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch (error) {
    throw new Error(`${__filename} needs better-sqlite3 in node_modules beside it (npm ci), or run the single executable dist/inband`, {
      cause: error,
    });
  }
}

/** build/bundle.mjs defines __INBAND_VERSION__; running from source (tests, tools) it is absent. */
function runningAsBundle(): boolean {
  return typeof __INBAND_VERSION__ === 'string';
}

/** Loads the addon from its cached copy (see `cacheAddonFile`). */
export function loadAddonFromBytes(bytes: Uint8Array, cacheDir: string): object {
  const hash = sha256(bytes);
  const loaded = loadedAddons.get(hash);
  if (loaded) return loaded;

  const file = cacheAddonFile(bytes, cacheDir, hash);
  const addon = { exports: {} as object };
  try {
    process.dlopen(addon, file);
  } catch (error) {
    throw new Error(`cannot load the SQLite addon from ${file} (is the data directory on a noexec mount?): ${String(error)}`, {
      cause: error,
    });
  }
  loadedAddons.set(hash, addon.exports);
  return addon.exports;
}

/** Writes the bytes to `<cacheDir>/better_sqlite3-<sha256>.node` unless an intact copy is there; returns that path. */
export function cacheAddonFile(bytes: Uint8Array, cacheDir: string, hash = sha256(bytes)): string {
  const file = path.join(cacheDir, `better_sqlite3-${hash}.node`);
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  // Whoever can replace this file runs code in the service: keep the directory ours alone.
  chmodSync(cacheDir, 0o700);
  if (intactCopy(file, hash)) return file;
  // Written aside and renamed, so a crash or a second process never leaves a half file under the
  // final name; the hash check above catches anything else that damaged it.
  const staging = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(staging, bytes, { mode: 0o700 });
    renameSync(staging, file);
  } finally {
    rmSync(staging, { force: true });
  }
  removeOtherBuilds(cacheDir, file);
  return file;
}

/** Copies left by earlier versions; a process still running one keeps its mapping after the unlink. */
function removeOtherBuilds(cacheDir: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    const other = path.join(cacheDir, name);
    if (other !== keep && /^better_sqlite3-[0-9a-f]{64}\.node$/.test(name)) rmSync(other, { force: true });
  }
}

function intactCopy(file: string, hash: string): boolean {
  try {
    return sha256(readFileSync(file)) === hash;
  } catch {
    return false;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
