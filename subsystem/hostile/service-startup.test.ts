/**
 * Start-up of the packaged service on a store it cannot use: a read-only or corrupt database
 * started "fine" and then answered 500 on every write, or exited with "internal error" and a stack
 * trace that did not name the file; an existing data dir's mode was silently changed. Now each
 * refuses to start (exit 1, before it listens) with one line naming the file and the fix.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { startAgent, stopAllAgents } from '../support/agent.js';
import { BINARY } from '../support/build.js';
import { freePort } from '../support/free-port.js';
import { SMALL_AGENT_BINARY } from '../support/service.js';

const run = promisify(execFile);
const NOBODY = 65534;

afterAll(async () => {
  await stopAllAgents();
});

interface Refusal {
  code: number;
  /** stderr without the warnings a start may print first. */
  errors: string[];
  stderr: string;
}

/** Runs `serve` on `dataDir`, which must refuse to start; a service that starts is killed by the timeout and fails the test. */
async function refusedStart(dataDir: string, options: { uid?: number } = {}): Promise<Refusal> {
  const port = await freePort();
  try {
    await run(BINARY, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', 'startup-token', '--with-stdout-logging=false', ...SMALL_AGENT_BINARY], {
      timeout: 15_000,
      killSignal: 'SIGKILL',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' },
      ...(options.uid !== undefined && { uid: options.uid, gid: options.uid }),
    });
  } catch (error) {
    const e = error as { code?: unknown; stderr?: string };
    const stderr = e.stderr ?? '';
    return { code: typeof e.code === 'number' ? e.code : -1, stderr, errors: stderr.split('\n').filter((line) => line !== '' && !line.startsWith('inband: warning:')) };
  }
  throw new Error(`serve started on ${dataDir} and exited 0`);
}

function expectOneLine(refusal: Refusal, pattern: RegExp): void {
  expect(refusal.code, refusal.stderr).toBe(1);
  expect(refusal.errors, refusal.stderr).toHaveLength(1);
  expect(refusal.errors[0]).toMatch(pattern);
  expect(refusal.stderr).not.toMatch(/^\s+at |internal error|Error: /m);
  expect(refusal.stderr).not.toMatch(/serving on/);
}

/** A data dir with a real store in it: the service started there once and stopped. */
async function usedDataDir(name: string): Promise<string> {
  const dataDir = path.join(tempDir(name), 'data');
  const port = await freePort();
  const serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', 'startup-token', '--with-stdout-logging=false', ...SMALL_AGENT_BINARY]);
  await serve.waitForOutput('stderr', /serving on/, 30_000);
  expect((await serve.stop()).code).toBe(0);
  return dataDir;
}

async function chattr(flag: '+i' | '-i', file: string): Promise<void> {
  await run('chattr', [flag, file], { timeout: 10_000 });
}

describe('a store the service cannot use', () => {
  it('a corrupt database: refused, naming the file, which is left as it was', async () => {
    const dataDir = tempDir('startup-corrupt');
    const file = path.join(dataDir, 'inband.db');
    const garbage = randomBytes(16_384);
    writeFileSync(file, garbage);
    expectOneLine(await refusedStart(dataDir), new RegExp(`^inband: ${file} is not an inband database or is damaged \\(.+\\); move it aside to start with an empty store, or restore it from a backup$`));
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  it('a read-only database (immutable, which binds root too): refused before listening, naming the file', async () => {
    const dataDir = await usedDataDir('startup-readonly');
    const file = path.join(dataDir, 'inband.db');
    await chattr('+i', file);
    try {
      expectOneLine(await refusedStart(dataDir), new RegExp(`^inband: ${file} cannot be written \\(.+\\); the service must write its store: check the file's owner and mode`));
    } finally {
      await chattr('-i', file);
    }
  });

  it('a data dir the service may not write: permission denied, naming the directory', async () => {
    const sandbox = tempDir('startup-denied');
    chmodSync(sandbox, 0o755);
    const dataDir = path.join(sandbox, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    expectOneLine(await refusedStart(dataDir, { uid: NOBODY }), new RegExp(`^inband: permission denied for ${dataDir} \\(EACCES: .+\\); run as the owner of the data directory or fix its permissions$`));
    // Nothing written into it by the refused start.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('a data dir that is a file: refused, saying so', async () => {
    const file = path.join(tempDir('startup-file'), 'data');
    writeFileSync(file, 'not a directory');
    expectOneLine(await refusedStart(file), new RegExp(`^inband: --data-dir ${file} is not a directory; point it at a directory$`));
  });
});

describe('the data dir\'s mode', () => {
  it('keeps an existing dir\'s mode (warning when others can read it) and makes a new one 0700', async () => {
    for (const mode of [0o750, 0o700, 0o755]) {
      const dataDir = path.join(tempDir('startup-mode'), 'data');
      mkdirSync(dataDir);
      chmodSync(dataDir, mode);
      const port = await freePort();
      const serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', 'startup-token', '--with-stdout-logging=false', ...SMALL_AGENT_BINARY]);
      await serve.waitForOutput('stderr', /serving on/, 30_000);
      await serve.stop();
      expect(statSync(dataDir).mode & 0o777, mode.toString(8)).toBe(mode);
      const warned = serve.stderr.includes(`inband: warning: --data-dir ${dataDir} has mode ${mode.toString(8)}: other users can read the tokens kept there`);
      expect(warned, serve.stderr).toBe((mode & 0o077) !== 0);
    }
    const fresh = await usedDataDir('startup-new');
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
  }, 60_000);
});
