import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepArgsError } from '../errors.js';
import { HostFs } from '../host/host-fs.js';
import { runCommand, type CommandRunner } from '../host/command-runner.js';
import type { StepContext } from './types.js';
import { rebootForReclaimStep } from './reboot-for-reclaim.js';
import { context } from '../../test/support/step-runner-fake.js';
import { tempDir } from '../../test/support/temp-dir.js';

/** A `chroot` that only records its argument vector, one JSON array per call: nothing reboots. */
function fakeChroot(): { runner: CommandRunner; calls: () => string[][] } {
  const bin = tempDir('fake-chroot');
  const record = path.join(bin, 'argv.jsonl');
  writeFileSync(path.join(bin, 'chroot'), `#!/usr/bin/env node\nrequire('fs').appendFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)) + '\\n');\nprocess.stdout.write('reboot scheduled');\n`);
  chmodSync(path.join(bin, 'chroot'), 0o755);
  const runner: CommandRunner = (file, args, options) => runCommand(file, args, { ...options, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
  const calls = (): string[][] => {
    try {
      return readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
    } catch {
      return [];
    }
  };
  return { runner, calls };
}

function hostWithEntry(options = 'random.trust_cpu=on ai.ip_cfg_override=1 coreos.live.rootfs_url=http://x/r'): string {
  const mnt = tempDir('reclaim-host');
  mkdirSync(path.join(mnt, 'boot/loader/entries'), { recursive: true });
  writeFileSync(path.join(mnt, 'boot/loader/entries/00-assisted-discovery.conf'), `title Assisted Installer Discovery\nversion 999\noptions ${options}\nlinux /boot/discovery/vmlinuz\ninitrd /boot/discovery/initrd`);
  return mnt;
}

const ctxWith = (run: CommandRunner, hostFs = new HostFs('/')): StepContext => ({ ...context(run), hostFs });
const step = rebootForReclaimStep('x64');

describe('reboot-for-reclaim', () => {
  it('requires host_fs_mount_dir', () => {
    expect(() => step.parseArgs(['{}'])).toThrow(new StepArgsError('validation failure list:\nhost_fs_mount_dir in body is required'));
    expect(() => step.parseArgs(['{"host_fs_mount_dir":7}'])).toThrow(new StepArgsError('validation failure list:\nhost_fs_mount_dir in body must be of type string: "number"'));
  });

  it('runs `chroot <dir> systemctl reboot` as an argument vector and answers its output', async () => {
    const mnt = hostWithEntry();
    const fake = fakeChroot();
    const reply = await step.run(step.parseArgs([JSON.stringify({ host_fs_mount_dir: mnt })]), ctxWith(fake.runner));
    expect(reply).toStrictEqual({ exitCode: 0, output: 'reboot scheduled', error: '' });
    expect(fake.calls()).toStrictEqual([[mnt, 'systemctl', 'reboot']]);
  });

  it('refuses when the discovery boot entry is missing, or the directory is', async () => {
    const fake = fakeChroot();
    const empty = tempDir('reclaim-empty');
    expect(await step.run({ host_fs_mount_dir: empty }, ctxWith(fake.runner))).toStrictEqual({
      exitCode: -1,
      output: '',
      error: `refusing to reboot: the discovery boot entry ${empty}/boot/loader/entries/00-assisted-discovery.conf is missing, so rebooting would not reclaim the host`,
    });
    const gone = path.join(empty, 'nope');
    const reply = await step.run({ host_fs_mount_dir: gone }, ctxWith(fake.runner));
    expect(reply.exitCode).toBe(-1);
    expect(reply.error).toContain('discovery boot entry is missing');
    expect(fake.calls()).toStrictEqual([]);
  });

  it('on s390x writes the IPL record with zipl first, options passed as one argv entry', async () => {
    const mnt = hostWithEntry("a=1 'b=$(reboot); x'");
    const fakeHost = tempDir('reclaim-proc');
    mkdirSync(path.join(fakeHost, 'proc'));
    writeFileSync(path.join(fakeHost, 'proc/cmdline'), 'BOOT_IMAGE=/vmlinuz ip=10.0.0.5::10.0.0.1:255.255.255.0::enc600:none nameserver=10.0.0.1 rd.dasd=0.0.0120 quiet\n');
    const fake = fakeChroot();
    const reply = await rebootForReclaimStep('s390x').run({ host_fs_mount_dir: mnt }, ctxWith(fake.runner, new HostFs(fakeHost)));
    expect(reply.exitCode).toBe(0);
    expect(fake.calls()).toStrictEqual([
      [mnt, 'unshare', '--mount', 'sh', '-c', 'mount -o remount,rw /boot && exec zipl "$@"', 'zipl', '-V', '-t', '/boot', '-i', '/discovery/vmlinuz', '-r', '/discovery/initrd',
        '-P', "a=1 'b=$(reboot); x' ip=10.0.0.5::10.0.0.1:255.255.255.0::enc600:none nameserver=10.0.0.1 rd.dasd=0.0.0120"],
      [mnt, 'systemctl', 'reboot'],
    ]);
  });
});
