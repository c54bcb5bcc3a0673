import { readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support/temp-dir.js';
import { cacheAddonFile, loadAddonFromBytes, sqliteNativeBinding } from './native-sqlite.js';

const addonPath = path.join(path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');

describe('sqliteNativeBinding', () => {
  it('leaves loading to better-sqlite3 outside the single executable', () => {
    const dataDir = tempDir('native');
    expect(sqliteNativeBinding(dataDir)).toBeUndefined();
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('cacheAddonFile', () => {
  it('writes the addon once under a name holding its hash, in a directory only the owner can enter', () => {
    const cacheDir = path.join(tempDir('native'), '.native');
    const bytes = new Uint8Array(Buffer.from('not really an addon'));
    const file = cacheAddonFile(bytes, cacheDir);
    expect(path.basename(file)).toMatch(/^better_sqlite3-[0-9a-f]{64}\.node$/);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe('not really an addon');

    const written = statSync(file).mtimeMs;
    expect(cacheAddonFile(bytes, cacheDir)).toBe(file);
    expect(statSync(file).mtimeMs).toBe(written);
    expect(readdirSync(cacheDir)).toEqual([path.basename(file)]);
  });

  it('removes the copies of other builds when it writes a new one', () => {
    const cacheDir = tempDir('native');
    const old = cacheAddonFile(new Uint8Array(Buffer.from('old build')), cacheDir);
    writeFileSync(path.join(cacheDir, 'unrelated.txt'), 'kept');
    const current = cacheAddonFile(new Uint8Array(Buffer.from('new build')), cacheDir);
    expect(readdirSync(cacheDir).sort()).toEqual([path.basename(current), 'unrelated.txt'].sort());
    expect(old).not.toBe(current);
  });

  it('replaces a damaged copy', () => {
    const cacheDir = tempDir('native');
    const bytes = new Uint8Array(Buffer.from('the real bytes'));
    const file = cacheAddonFile(bytes, cacheDir);
    writeFileSync(file, 'the real by');
    cacheAddonFile(bytes, cacheDir);
    expect(readFileSync(file, 'utf8')).toBe('the real bytes');
  });
});

describe('loadAddonFromBytes', () => {
  it('loads a copy of the real addon that better-sqlite3 accepts as nativeBinding', () => {
    const cacheDir = tempDir('native');
    const addon = loadAddonFromBytes(new Uint8Array(readFileSync(addonPath)), cacheDir);
    expect(loadAddonFromBytes(new Uint8Array(readFileSync(addonPath)), cacheDir)).toBe(addon);
    // The typings say string; better-sqlite3 takes the loaded addon object too.
    const db = new Database(':memory:', { nativeBinding: addon as unknown as string });
    expect(db.prepare('SELECT 40 + 2 AS answer').get()).toEqual({ answer: 42 });
    db.close();
  });
});
