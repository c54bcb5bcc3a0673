/**
 * The two ways in: the `inventory` step (args `[host_id]`, reply output = compact JSON) and the
 * `inband inventory` command (--host-root, --record-fixture, --gpu-config-file).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inventoryCommand } from '../../src/commands/inventory.js';
import { DRY_RUN_OFF } from '../../src/config/dry-run.js';
import { StepArgsError } from '../../src/errors.js';
import { HostFs } from '../../src/host/host-fs.js';
import { replayingRunner } from '../../src/host/recorded-commands.js';
import { memoryLogger } from '../../src/log/logger.js';
import inventoryStep from '../../src/steps/inventory.js';
import type { StepContext } from '../../src/steps/types.js';
import { expectSameFields, syntheticRoot } from './support.js';

const HOST_ID = '6f9d5b3a-1c2e-4f70-8a9b-0c1d2e3f4a5b';

describe('inventory step', () => {
  it('takes exactly one argument, a UUID', () => {
    expect(inventoryStep.parseArgs([HOST_ID])).toEqual({ hostId: HOST_ID });
    expect(() => inventoryStep.parseArgs([])).toThrow(new StepArgsError('inventory cmd accepts only 1 params in args, given args []'));
    expect(() => inventoryStep.parseArgs([HOST_ID, '--disk-min-size=20'])).toThrow(
      `inventory cmd accepts only 1 params in args, given args [${HOST_ID} --disk-min-size=20]`,
    );
    expect(() => inventoryStep.parseArgs(['not-a-uuid'])).toThrow(new StepArgsError('validation failure list:\nhost_id in body must be of type uuid: "not-a-uuid"'));
  });

  it('answers with the compact inventory JSON and exit code 0', async () => {
    const root = syntheticRoot('server-nvme-sata-raid');
    const ctx: StepContext = {
      signal: new AbortController().signal,
      run: replayingRunner(root),
      hostFs: new HostFs(root),
      log: memoryLogger(),
      agent: { url: '', infraEnvId: '', hostId: HOST_ID, agentVersion: '', insecure: false, token: '' },
      dryRun: DRY_RUN_OFF,
    };
    const result = await inventoryStep.run(inventoryStep.parseArgs([HOST_ID]), ctx);
    expect(result.exitCode).toBe(0);
    expect(result.error).toBe('');
    expect(result.output).not.toMatch(/\n|": /);
    const expected = JSON.parse(await fs.readFile(path.join(root, 'expected-inventory.json'), 'utf8'));
    expectSameFields(JSON.parse(result.output), expected);
  });

  it('runs the context\'s own tools on a host root that is not a recording', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-step-'));
    try {
      await fs.mkdir(path.join(root, 'proc/sys/kernel'), { recursive: true });
      await fs.writeFile(path.join(root, 'proc/sys/kernel/hostname'), 'step-host\n');
      await fs.writeFile(path.join(root, 'proc/meminfo'), 'MemTotal: 1024 kB\n');
      const asked: string[] = [];
      const ctx: StepContext = {
        signal: new AbortController().signal,
        run: async (file, args) => {
          asked.push([file, ...args].join(' '));
          if (file === 'lscpu') return { stdout: '{"lscpu":[{"field":"CPU(s):","data":"3"}]}', stderr: '', exitCode: 0, timedOut: false };
          return { stdout: '', stderr: 'no', exitCode: 1, timedOut: false };
        },
        hostFs: new HostFs(root),
        log: memoryLogger(),
        agent: { url: '', infraEnvId: '', hostId: HOST_ID, agentVersion: '', insecure: false, token: '' },
        dryRun: DRY_RUN_OFF,
      };
      const result = await inventoryStep.run({ hostId: HOST_ID }, ctx);
      const wire = JSON.parse(result.output);
      expect(wire).toMatchObject({ hostname: 'step-host', cpu: { count: 3, flags: null }, memory: { usable_bytes: 1024 * 1024 }, disks: [], interfaces: [] });
      expect(asked).toContain('lscpu -J');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('inband inventory', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(dirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
  });

  async function runCommand(flags: Record<string, unknown>): Promise<{ code: number; stdout: string }> {
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const argv = { 'with-journal-logging': false, 'with-text-logging': false, 'with-stdout-logging': false, 'dry-run': false, ...flags };
    const code = await inventoryCommand(argv);
    vi.restoreAllMocks();
    return { code, stdout };
  }

  it('prints the inventory of --host-root as one line of JSON and exits 0', async () => {
    const { code, stdout } = await runCommand({ 'host-root': syntheticRoot('discovery-iso-usb') });
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trimEnd()).not.toContain('\n');
    expect(JSON.parse(stdout).hostname).toBe('3c-ec-ef-12-34-00');
  });

  it('records into --record-fixture a tree that replays the same, and refuses a non-empty directory', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-cli-'));
    dirs.push(dir);
    const recording = path.join(dir, 'host');
    const first = await runCommand({ 'host-root': syntheticRoot('bond-vlan-ipv6'), 'record-fixture': recording });
    expect(first.code).toBe(0);
    expect(JSON.parse(await fs.readFile(path.join(recording, 'inband-fixture.json'), 'utf8'))).toMatchObject({ host_root: syntheticRoot('bond-vlan-ipv6') });
    const replay = await runCommand({ 'host-root': recording });
    expect(replay.stdout).toBe(first.stdout);
    await expect(runCommand({ 'host-root': syntheticRoot('bond-vlan-ipv6'), 'record-fixture': recording })).rejects.toThrow(/not empty/);
  });

  it('applies --gpu-config-file, and falls back to the default classes when the file is unusable', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-gpu-'));
    dirs.push(dir);
    const config = path.join(dir, 'gpus.yaml');
    await fs.writeFile(config, 'classes: []\nvendors:\n  - "1200 1da3"\nmodels: []\n');
    const custom = await runCommand({ 'host-root': syntheticRoot('gpu-tpm-secureboot-bmc'), 'gpu-config-file': config });
    expect(JSON.parse(custom.stdout).gpus.map((g: { address: string }) => g.address)).toEqual(['0000:4b:00.0']);

    const fallback = await runCommand({ 'host-root': syntheticRoot('gpu-tpm-secureboot-bmc'), 'gpu-config-file': path.join(dir, 'missing.yaml') });
    expect(JSON.parse(fallback.stdout).gpus).toHaveLength(5);
  });
});
