import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandRunner } from './command-runner.js';
import { HostFs } from './host-fs.js';
import { commandFileName, isRecordedFixture, recordingRunner, replayingRunner } from './recorded-commands.js';
import { RecordingHostFs } from './recording-host-fs.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-rec-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe('recorded commands', () => {
  it('name files after the argument vector', () => {
    expect(commandFileName(['file', '-s', '/dev/sda'])).toBe('file_-s__dev_sda');
    expect(commandFileName(['ip', '-j', '-6', 'route', 'show', 'table', 'main'])).toBe('ip_-j_-6_route_show_table_main');
    expect(commandFileName(['x'.repeat(300)])).toHaveLength(100);
  });

  it('replay what was recorded, by exact argv, even when two argvs share a file name', async () => {
    const dir = await tempDir();
    const live: CommandRunner = async (file, args) => ({ stdout: `out of ${[file, ...args].join(' ')}\n`, stderr: args.includes('bad') ? 'boom' : '', exitCode: args.includes('bad') ? 3 : 0, timedOut: false });
    const recorder = recordingRunner(live, dir);
    await recorder('tool', ['a/b'], { timeoutMs: 1000 });
    await recorder('tool', ['a_b'], { timeoutMs: 1000 });
    await recorder('tool', ['bad'], { timeoutMs: 1000 });
    expect((await fs.readdir(path.join(dir, 'commands'))).sort()).toEqual(['tool_a_b.json', 'tool_a_b.stdout', 'tool_a_b~2.json', 'tool_a_b~2.stdout', 'tool_bad.json', 'tool_bad.stdout']);
    expect(await isRecordedFixture(dir)).toBe(true);

    const replay = replayingRunner(dir);
    expect((await replay('tool', ['a/b'], { timeoutMs: 1000 })).stdout).toBe('out of tool a/b\n');
    expect((await replay('tool', ['a_b'], { timeoutMs: 1000 })).stdout).toBe('out of tool a_b\n');
    expect(await replay('tool', ['bad'], { timeoutMs: 1000 })).toEqual({ stdout: 'out of tool bad\n', stderr: 'boom', exitCode: 3, timedOut: false });
    const missing = await replay('tool', ['other'], { timeoutMs: 1000 });
    expect(missing.exitCode).toBe(-1);
    expect(missing.stderr).toMatch(/not recorded/);
  });

  it('accept inline stdout in hand-written records', async () => {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'commands'));
    await fs.writeFile(path.join(dir, 'commands', 'anything.json'), JSON.stringify({ argv: ['echo', 'hi'], exitCode: 0, stdout: 'hi\n' }));
    expect((await replayingRunner(dir)('echo', ['hi'], { timeoutMs: 1000 })).stdout).toBe('hi\n');
  });

  it('never treat the real root as a fixture', async () => {
    expect(await isRecordedFixture('/')).toBe(false);
  });
});

describe('HostFs.realPath under a root', () => {
  it('follows relative and absolute links inside the root, never out of it', async () => {
    const root = await tempDir();
    await fs.mkdir(path.join(root, 'sys/devices/pci0000:00/block/sda'), { recursive: true });
    await fs.mkdir(path.join(root, 'sys/block'), { recursive: true });
    await fs.symlink('../devices/pci0000:00/block/sda', path.join(root, 'sys/block/sda'));
    await fs.mkdir(path.join(root, 'dev/disk/by-id'), { recursive: true });
    await fs.writeFile(path.join(root, 'dev/sda'), '');
    await fs.symlink('/dev/sda', path.join(root, 'dev/disk/by-id/wwn-0x1'));
    const hostFs = new HostFs(root);
    expect(await hostFs.realPath('/sys/block/sda')).toBe('/sys/devices/pci0000:00/block/sda');
    expect(await hostFs.realPath('/dev/disk/by-id/wwn-0x1')).toBe('/dev/sda');
    expect(await hostFs.realPath('/sys/block/sdz')).toBeUndefined();
  });
});

describe('RecordingHostFs', () => {
  it('copies read files with their symlinked path, placeholders for files only listed or tested', async () => {
    const source = await tempDir();
    const out = await tempDir();
    const dev = path.join(source, 'sys/devices/virtual/block/md0');
    await fs.mkdir(dev, { recursive: true });
    await fs.writeFile(path.join(dev, 'size'), '2048\n');
    await fs.writeFile(path.join(dev, 'uevent'), 'DEVNAME=md0\n');
    await fs.mkdir(path.join(source, 'sys/block'), { recursive: true });
    await fs.symlink('../devices/virtual/block/md0', path.join(source, 'sys/block/md0'));
    await fs.mkdir(path.join(source, 'dev'));
    await fs.writeFile(path.join(source, 'dev/md0'), 'not to be copied');

    const recording = new RecordingHostFs(source, out);
    expect(await recording.list('/sys/block')).toEqual(['md0']);
    expect(await recording.readTrimmed('/sys/block/md0/size')).toBe('2048');
    expect(await recording.exists('/dev/md0')).toBe(true);
    expect(await recording.exists('/dev/md1')).toBe(false);

    expect(await fs.readlink(path.join(out, 'sys/block/md0'))).toBe('../devices/virtual/block/md0');
    expect(await fs.readFile(path.join(out, 'sys/devices/virtual/block/md0/size'), 'utf8')).toBe('2048\n');
    expect(await fs.readFile(path.join(out, 'dev/md0'), 'utf8')).toBe('');
    await expect(fs.access(path.join(out, 'sys/devices/virtual/block/md0/uevent'))).rejects.toThrow();
    await expect(fs.access(path.join(out, 'dev/md1'))).rejects.toThrow();
  });
});
