/**
 * The packaged binary's disk_speed_check, reboot_for_reclaim and download_boot_artifacts tools on
 * this machine, with nothing at stake: fio only ever writes to loop devices backed by files on
 * tmpfs, and `chroot` is a fake that records its argument vector.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY } from './support/build.js';

const run = promisify(execFile);
// tmpfs, so fio's 22 MiB of fdatasync'd writes never reach a real disk of this machine.
const SHM = '/dev/shm';

interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

function tool(name: string, json: string, env: NodeJS.ProcessEnv = {}): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(BINARY, [name, json, '--with-journal-logging=false'], { timeout: 90_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let work: string;
const loopDevices: string[] = [];
const mounts: string[] = [];

async function attachLoop(file: string): Promise<string> {
  const { stdout } = await run('losetup', ['--find', '--show', file]);
  const device = stdout.trim();
  loopDevices.push(device);
  return device;
}

async function makeImage(name: string, mib: number): Promise<string> {
  const file = path.join(work, name);
  await run('truncate', ['-s', `${mib}M`, file]);
  return file;
}

beforeAll(() => {
  work = mkdtempSync(path.join(SHM, 'inband-disk-speed-'));
});

afterAll(async () => {
  for (const mnt of mounts.splice(0).reverse()) await run('umount', [mnt]).catch(() => undefined);
  for (const device of loopDevices.splice(0)) await run('losetup', ['-d', device]).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('disk_speed_check tool', () => {
  it('refuses a regular file (/etc/passwd, a file on tmpfs) and a missing path without writing a byte', async () => {
    const file = path.join(work, 'plain.img');
    writeFileSync(file, 'keep');
    const passwd = readFileSync('/etc/passwd');
    expect(await tool('disk_speed_check', JSON.stringify({ path: '/etc/passwd' }))).toStrictEqual({
      code: 255,
      stdout: '',
      stderr: 'refusing to write to /etc/passwd: it is a regular file, not a block device\n',
    });
    expect(readFileSync('/etc/passwd')).toEqual(passwd);
    expect((await tool('disk_speed_check', JSON.stringify({ path: file }))).code).toBe(255);
    expect(readFileSync(file, 'utf8')).toBe('keep');
    const missing = path.join(work, 'no-such-disk');
    expect((await tool('disk_speed_check', JSON.stringify({ path: missing }))).stderr).toBe(`refusing to write to ${missing}: no such device\n`);
    expect(existsSync(missing)).toBe(false);
  });

  it('measures a loop device backed by a tmpfs file, through a by-id style link with ":" in its name', async () => {
    const device = await attachLoop(await makeImage('loop-disk.img', 64));
    const link = path.join(work, 'pci-0000:00:1f.2-disk');
    symlinkSync(device, link);
    const result = await tool('disk_speed_check', JSON.stringify({ path: link }));
    expect(result.code, result.stderr).toBe(0);
    const reply = JSON.parse(result.stdout) as { path: string; io_sync_duration?: number };
    expect(reply.path).toBe(link);
    // tmpfs syncs in microseconds: 0 ms, which go-openapi's omitempty leaves out.
    expect(reply.io_sync_duration ?? 0).toBeLessThan(1_000);
  });

  it('refuses a device that holds a mounted filesystem, and a mount point, without writing', async () => {
    const image = await makeImage('mounted.img', 16);
    await run('mkfs.ext4', ['-q', '-F', image]);
    const device = await attachLoop(image);
    const mnt = path.join(work, 'mnt');
    mkdirSync(mnt);
    await run('mount', [device, mnt]);
    mounts.push(mnt);
    writeFileSync(path.join(mnt, 'keep'), 'precious');

    const byDevice = await tool('disk_speed_check', JSON.stringify({ path: device }));
    expect(byDevice).toStrictEqual({ code: 255, stdout: '', stderr: `refusing to write to ${device}: it holds a mounted filesystem (${mnt})\n` });
    const byMountPoint = await tool('disk_speed_check', JSON.stringify({ path: mnt }));
    expect(byMountPoint).toStrictEqual({ code: 255, stdout: '', stderr: `refusing to write to ${mnt}: it is a directory, not a block device\n` });
    expect(readFileSync(path.join(mnt, 'keep'), 'utf8')).toBe('precious');
  });

  it('answers -1 with upstream\'s text for a request without a path', async () => {
    const result = await tool('disk_speed_check', '{"path":""}');
    expect(result).toStrictEqual({ code: 255, stdout: '', stderr: 'Missing disk path\n' });
  });
});

describe('reboot_for_reclaim tool', () => {
  let bin: string;
  let record: string;
  beforeAll(() => {
    bin = path.join(work, 'bin');
    mkdirSync(bin);
    record = path.join(bin, 'argv.jsonl');
    writeFileSync(
      path.join(bin, 'chroot'),
      `#!/usr/bin/env node\nrequire('fs').appendFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`,
    );
    chmodSync(path.join(bin, 'chroot'), 0o755);
  });
  const recorded = (): string[][] => {
    try {
      return readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    } catch {
      return [];
    }
  };

  it('refuses a host directory without the discovery boot entry, and runs nothing', async () => {
    const host = path.join(work, 'host-empty');
    mkdirSync(host);
    const result = await tool('reboot_for_reclaim', JSON.stringify({ host_fs_mount_dir: host }), { PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(result).toStrictEqual({
      code: 255,
      stdout: '',
      stderr: `refusing to reboot: the discovery boot entry ${host}/boot/loader/entries/00-assisted-discovery.conf is missing, so rebooting would not reclaim the host\n`,
    });
    expect(recorded()).toStrictEqual([]);
  });

  it('runs `chroot <dir> systemctl reboot` (a fake chroot here) once the entry is in place', async () => {
    const host = path.join(work, 'host-ready');
    mkdirSync(path.join(host, 'boot/loader/entries'), { recursive: true });
    writeFileSync(path.join(host, 'boot/loader/entries/00-assisted-discovery.conf'), 'title Assisted Installer Discovery\n');
    const result = await tool('reboot_for_reclaim', JSON.stringify({ host_fs_mount_dir: host }), { PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(result.code, result.stderr).toBe(0);
    expect(recorded()).toStrictEqual([[host, 'systemctl', 'reboot']]);
  });
});

describe('download_boot_artifacts tool', () => {
  it('succeeds at once when the artifacts are already present', async () => {
    const host = path.join(work, 'host-present');
    mkdirSync(path.join(host, 'boot/discovery'), { recursive: true });
    mkdirSync(path.join(host, 'boot/loader/entries'), { recursive: true });
    for (const f of ['boot/discovery/vmlinuz', 'boot/discovery/initrd', 'boot/loader/entries/00-assisted-discovery.conf']) writeFileSync(path.join(host, f), 'x');
    const request = { host_fs_mount_dir: host, kernel_url: 'http://127.0.0.1:9/k', initrd_url: 'http://127.0.0.1:9/i', rootfs_url: 'http://127.0.0.1:9/r' };
    expect(await tool('download_boot_artifacts', JSON.stringify(request))).toStrictEqual({ code: 0, stdout: 'Successfully downloaded boot artifacts\n', stderr: '' });
  });
});
