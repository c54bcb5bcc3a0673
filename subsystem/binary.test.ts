import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, symlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../test/support/temp-dir.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = tempDir('sea');
// No node_modules, no node on PATH: only what the single executable carries.
const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir };

async function invoke(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(path.join(dir, name), args, { cwd: dir, env, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the packaged single executable, alone in a directory', () => {
  beforeAll(async () => {
    if (!existsSync(path.join(root, 'dist/inband'))) await run(process.execPath, [path.join(root, 'build/bundle.mjs')], { timeout: 180_000 });
    copyFileSync(path.join(root, 'dist/inband'), path.join(dir, 'inband'));
    for (const name of ['inventory', 'agent', 'free_addresses', 'frobnicate']) symlinkSync('inband', path.join(dir, name));
  }, 200_000);

  it('prints its version and help', async () => {
    const version = await invoke('inband', ['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await invoke('inband', ['agent', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--infra-env-id');
  });

  it('runs the tool named by the symlink it is invoked through', async () => {
    const help = await invoke('inventory', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--record-fixture');
    const inventory = await invoke('inventory', ['--with-journal-logging=false']);
    expect(inventory.code).toBe(0);
    const parsed = JSON.parse(inventory.stdout) as { cpu: { count: number } };
    expect(parsed.cpu.count).toBe(availableParallelism());
  });

  it('answers a step tool through its symlink with the step\'s exit code', async () => {
    // A non-canonical network fails before any scan: this test runs in the machine's own namespace.
    const result = await invoke('free_addresses', ['["198.18.0.1/24"]', '--with-journal-logging=false']);
    expect(result.code).toBe(255);
    expect(result.stderr).toContain('Requested CIDR 198.18.0.0/24 is not equal to provided network 198.18.0.1/24');
  });

  it('refuses a name it does not know, listing the valid ones', async () => {
    const result = await invoke('frobnicate', []);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown binary name frobnicate, expected one of: inband, agent, next_step_runner, inventory');
  });

  it('prints usage for a missing --url and for an unknown flag', async () => {
    const missing = await invoke('agent', ['--infra-env-id', '11111111-1111-1111-1111-111111111111']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Must provide a target URL');
    expect(missing.stderr).toContain('--agent-version');
    const unknown = await invoke('inband', ['inventory', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown argument: nope');
  });
});
