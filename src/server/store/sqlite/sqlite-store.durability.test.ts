import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support/temp-dir.js';
import { DATABASE_FILE, SqliteStore } from './sqlite-store.js';

const root = path.resolve(import.meta.dirname, '../../../..');
let childBundle: string;

beforeAll(async () => {
  childBundle = path.join(tempDir('durability-bundle'), 'child.cjs');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'sqlite-store.durability-child.ts')],
    outfile: childBundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    logLevel: 'warning',
  });
});

interface KilledRun {
  acknowledged: string[];
  stderr: string;
  signal: NodeJS.Signals | null;
}

/** Starts the child, lets it write for `runMs` after it is ready, then SIGKILLs it. */
function writeThenKill(dataDir: string, runMs: number): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childBundle, dataDir, '20'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The bundle lives in a temp dir; better-sqlite3 is resolved from the project.
      env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
      timeout: 15_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!timer && stdout.startsWith('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), runMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    });
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      // Only complete lines: a line cut by the kill was never fully acknowledged.
      const lines = stdout.split('\n').slice(0, -1);
      resolve({ acknowledged: lines.filter((line) => line !== 'ready'), stderr, signal });
    });
  });
}

describe('SqliteStore durability', () => {
  it('keeps every acknowledged step reply across SIGKILLs at random moments, and the file stays intact', async () => {
    const dataDir = tempDir('durability');
    const acknowledged: string[] = [];
    for (let round = 0; round < 5; round++) {
      const run = await writeThenKill(dataDir, 50 + Math.floor(Math.random() * 400));
      expect(run.stderr).toBe('');
      expect(run.signal).toBe('SIGKILL');
      expect(run.acknowledged.length).toBeGreaterThan(0);
      acknowledged.push(...run.acknowledged);

      // A plain connection, as after a crash: opening recovers from the WAL.
      const db = new Database(path.join(dataDir, DATABASE_FILE));
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('foreign_key_check')).toEqual([]);
        const stored = new Set((db.prepare('SELECT step_id FROM step_results').pluck().all() as string[]));
        const missing = acknowledged.filter((id) => !stored.has(id));
        expect(missing).toEqual([]);
      } finally {
        db.close();
      }
    }

    const store = await SqliteStore.open(dataDir);
    try {
      expect(await store.countHosts()).toBe(20);
      expect((await store.listStepResults('e1', 'h0')).length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 60_000);
});
