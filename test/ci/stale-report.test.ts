/**
 * CI reads the last line of `.ci/run`. A failed type-check or build stops `make test` before
 * vitest writes its report, so a report left by an earlier run must never be what is summarised.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const STALE_REPORT = JSON.stringify({ numPassedTests: 821, numFailedTests: 0 });

async function runCapturing(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    const { stdout } = await run(file, args, { ...options, timeout: 30_000 });
    return { stdout, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; code?: number };
    return { stdout: e.stdout ?? '', code: e.code ?? -1 };
  }
}

describe('a stale test report', () => {
  it('.ci/run prints a failure, not the last run\'s count, when make test fails before vitest runs', async () => {
    const root = tempDir('ci-run');
    mkdirSync(path.join(root, '.ci'));
    mkdirSync(path.join(root, 'build'));
    mkdirSync(path.join(root, '.build'));
    mkdirSync(path.join(root, 'fakebin'));
    copyFileSync(path.join(repo, '.ci/run'), path.join(root, '.ci/run'));
    copyFileSync(path.join(repo, 'build/test-summary.mjs'), path.join(root, 'build/test-summary.mjs'));
    writeFileSync(path.join(root, '.build/vitest.json'), STALE_REPORT);
    // `make test` failing in its type-check: exits 2 without writing a report.
    writeFileSync(path.join(root, 'fakebin/make'), '#!/bin/sh\necho "error TS2322: type check failed" >&2\nexit 2\n');
    chmodSync(path.join(root, 'fakebin/make'), 0o755);
    const result = await runCapturing('bash', [path.join(root, '.ci/run')], {
      cwd: root,
      env: { ...process.env, PATH: `${path.join(root, 'fakebin')}:${process.env.PATH}` },
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
  });

  it('make test removes the previous report before it type-checks or builds', async () => {
    const { stdout } = await runCapturing('make', ['--dry-run', '--no-print-directory', 'test'], { cwd: repo });
    const lines = stdout.split('\n');
    const removal = lines.findIndex((line) => line.includes('rm -f .build/vitest.json'));
    const typecheck = lines.findIndex((line) => line.includes('tsc --noEmit'));
    const build = lines.findIndex((line) => line.includes('build/bundle.mjs'));
    expect(removal).toBeGreaterThanOrEqual(0);
    expect(typecheck).toBeGreaterThan(removal);
    expect(build).toBeGreaterThan(removal);
  });
});
