import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../host/command-runner.js';
import { HostTools } from './host-tools.js';

describe('HostTools', () => {
  it('runs every command with a timeout and the C locale', async () => {
    let seen: { timeoutMs: number; lcAll?: string } | undefined;
    const runner: CommandRunner = async (_file, _args, options) => {
      seen = { timeoutMs: options.timeoutMs, lcAll: options.env?.LC_ALL };
      return { stdout: '', stderr: '', exitCode: 0, timedOut: false };
    };
    await new HostTools(runner).run('lscpu', ['-J']);
    expect(seen).toEqual({ timeoutMs: 30_000, lcAll: 'C' });
  });

  it('starts a missing per-item tool once, not once per item', async () => {
    const started: string[] = [];
    const runner: CommandRunner = async (file, args) => {
      started.push([file, ...args].join(' '));
      return { stdout: '', stderr: `${file}: spawn ${file} ENOENT`, exitCode: -1, timedOut: false };
    };
    const tools = new HostTools(runner);
    const results = await Promise.all(['lo', 'eth0', 'eth1', 'eth2'].map((nic) => tools.runOptional('biosdevname', ['-i', nic])));
    expect(started).toEqual(['biosdevname -i lo']);
    expect(results.every((r) => r.exitCode === -1)).toBe(true);
  });

  it('runs an installed per-item tool for every item', async () => {
    const started: string[] = [];
    const runner: CommandRunner = async (file, args) => {
      started.push(args.at(-1) as string);
      return { stdout: 'em1\n', stderr: '', exitCode: 0, timedOut: false };
    };
    const tools = new HostTools(runner);
    await Promise.all(['lo', 'eth0', 'eth1'].map((nic) => tools.runOptional('biosdevname', ['-i', nic])));
    expect(started.sort()).toEqual(['eth0', 'eth1', 'lo']);
  });

  it('never has more than six processes running at once', async () => {
    let running = 0;
    let peak = 0;
    const runner: CommandRunner = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return { stdout: '', stderr: '', exitCode: 0, timedOut: false };
    };
    const tools = new HostTools(runner);
    await Promise.all(Array.from({ length: 20 }, (_, i) => tools.run('file', ['-s', `/dev/sd${i}`])));
    expect(peak).toBe(6);
  });
});
