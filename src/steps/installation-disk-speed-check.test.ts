import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepArgsError } from '../errors.js';
import { HostFs } from '../host/host-fs.js';
import type { StepContext } from './types.js';
import step, { diskToMeasure, fioArgs, fioFilename, parseFioP99Ms, parseMountInfo } from './installation-disk-speed-check.js';
import { context, result, scriptedRunner } from '../../test/support/step-runner-fake.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { swaggerErrors } from '../../test/support/swagger.js';

/** fio 3.33 --output-format=json, trimmed to what a reader looks at; p99 is in nanoseconds. */
function fioJson(p99Ns: number, preamble = ''): string {
  return `${preamble}{
  "fio version" : "fio-3.33",
  "timestamp" : 1763710000,
  "global options" : { "filename" : "/dev/sdb", "size" : "22m", "bs" : "2300", "fdatasync" : "1" },
  "jobs" : [
    {
      "jobname" : "test",
      "groupid" : 0,
      "error" : 0,
      "write" : { "io_bytes" : 23068400, "bw" : 1203, "iops" : 535.8, "runtime" : 18702 },
      "sync" : {
        "total_ios" : 0,
        "lat_ns" : {
          "min" : 301204, "max" : 48011221, "mean" : 1702113.4, "stddev" : 910223.1, "N" : 10029,
          "percentile" : {
            "1.000000" : 411648, "50.000000" : 1548288, "90.000000" : 2506752, "95.000000" : 3031040,
            "99.000000" : ${p99Ns}, "99.500000" : 9502720, "99.900000" : 20316160, "99.950000" : 25034752, "99.990000" : 47972352
          }
        }
      }
    }
  ],
  "disk_util" : [ { "name" : "sdb", "read_ios" : 0, "write_ios" : 20101, "util" : 98.2 } ]
}
`;
}

const REQUEST = '{"path":"/dev/disk/by-path/pci-0000:00:1f.2-ata-1"}';

describe('installation-disk-speed-check arguments', () => {
  it('takes the request JSON and a float timeout in seconds', () => {
    expect(step.parseArgs([REQUEST, '5.25'])).toStrictEqual({ path: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1', timeoutSeconds: 5.25 });
    expect(step.parseArgs(['{"path":"/dev/sda"}', '300'])).toStrictEqual({ path: '/dev/sda', timeoutSeconds: 300 });
  });

  it('rejects a timeout that is not a float, and upstream\'s texts for a bad request', () => {
    expect(() => step.parseArgs([REQUEST, 'ten'])).toThrow(new StepArgsError('failed to parse disk speed check timeout "ten": not a positive float'));
    expect(() => step.parseArgs([REQUEST, '5s'])).toThrow(StepArgsError);
    expect(() => step.parseArgs([REQUEST, '0'])).toThrow(StepArgsError);
    expect(() => step.parseArgs(['{}', '5'])).toThrow(new StepArgsError('Missing disk path'));
    expect(() => step.parseArgs(['{"path":""}', '5'])).toThrow(new StepArgsError('Missing disk path'));
    expect(() => step.parseArgs(['{"path":', '5'])).toThrow(/^Failed to unmarshal DiskSpeedCheckRequest: /);
    expect(() => step.parseArgs([])).toThrow(StepArgsError);
    expect(() => step.parseArgs([REQUEST, '5', 'x'])).toThrow(StepArgsError);
  });
});

describe('fio invocation and output', () => {
  it('escapes every ":" in the file name, as fio reads ":" as a list separator', () => {
    expect(fioFilename('/dev/disk/by-path/pci-0000:00:1f.2-ata-1')).toBe('/dev/disk/by-path/pci-0000\\:00\\:1f.2-ata-1');
    expect(fioFilename('/dev/sda')).toBe('/dev/sda');
    expect(fioArgs('/dev/disk/by-id/a:b')).toStrictEqual([
      '--filename', '/dev/disk/by-id/a\\:b', '--name=test', '--rw=write', '--ioengine=sync', '--size=22m', '-bs=2300', '--fdatasync=1', '--output-format=json',
    ]);
  });

  it('reads the fdatasync p99 in whole milliseconds, past any warning printed before the JSON', () => {
    expect(parseFioP99Ms(fioJson(6324224))).toBe(6);
    expect(parseFioP99Ms(fioJson(999999))).toBe(0);
    expect(parseFioP99Ms(fioJson(25034752, 'fio: file hash not empty on exit\n'))).toBe(25);
    expect(() => parseFioP99Ms('fio: pid=0, err=2/file:filesetup.c:174, error=No such file or directory')).toThrow(/no JSON/);
    expect(() => parseFioP99Ms('{"jobs":[{"sync":{"lat_ns":{"percentile":{}}}}]}')).toThrow(/99.000000/);
  });
});

/**
 * A block device node no driver backs (loop minor 250, never attached here): stat says block
 * device, so the step accepts it, and the scripted fio never opens it.
 */
function unattachedBlockDevice(): string {
  const node = path.join(tempDir('disk-speed'), 'disk');
  const made = spawnSync('mknod', [node, 'b', '7', '250'], { timeout: 10_000 });
  if (made.status !== 0) throw new Error(`mknod: ${String(made.stderr)}`);
  return node;
}

describe('installation-disk-speed-check run', () => {
  const file = unattachedBlockDevice();
  const ctxWith = (run: ReturnType<typeof scriptedRunner>['run'], dryRun = false): StepContext => ({ ...context(run, dryRun), hostFs: new HostFs('/') });

  it('runs fio twice with an argument vector and the timeout, and reports the worse run', async () => {
    let n = 0;
    const { run, calls } = scriptedRunner(() => result(fioJson(++n === 1 ? 3100000 : 11900000)));
    const reply = await step.run(step.parseArgs([JSON.stringify({ path: file }), '2.5']), ctxWith(run));
    expect(reply).toStrictEqual({ exitCode: 0, output: `{"io_sync_duration":11,"path":"${file}"}`, error: '' });
    expect(calls.map((c) => [c.file, c.args, c.options.timeoutMs])).toStrictEqual([
      ['fio', fioArgs(file), 2500],
      ['fio', fioArgs(file), 2500],
    ]);
    expect(swaggerErrors('disk_speed_check_response', JSON.parse(reply.output))).toStrictEqual([]);
  });

  it('reports the run that worked when the other failed', async () => {
    let n = 0;
    const { run } = scriptedRunner(() => (++n === 1 ? result('', 1, 'fio: io_u error') : result(fioJson(4000000))));
    const reply = await step.run(step.parseArgs([JSON.stringify({ path: file }), '5']), ctxWith(run));
    expect(reply).toStrictEqual({ exitCode: 0, output: `{"io_sync_duration":4,"path":"${file}"}`, error: '' });
  });

  it('fails with the last error when every run failed, and 124 when both ran out of time', async () => {
    const { run } = scriptedRunner(() => result('', 1, 'fio: pid=0, err=2/file:filesetup.c:174\n'));
    expect(await step.run(step.parseArgs([JSON.stringify({ path: file }), '5']), ctxWith(run))).toStrictEqual({
      exitCode: -1,
      output: `{"path":"${file}"}`,
      error: `Could not get I/O performance for path ${file} (fio exit code: 1, stderr: fio: pid=0, err=2/file:filesetup.c:174)`,
    });
    const slow = scriptedRunner(() => result('', 124, 'fio timed out after 5000 ms', true));
    const reply = await step.run(step.parseArgs([JSON.stringify({ path: file }), '5']), ctxWith(slow.run));
    expect(reply.exitCode).toBe(124);
  });

  it('answers 1 ms in dry-run without running fio', async () => {
    const { run, calls } = scriptedRunner(() => result(''));
    expect(await step.run(step.parseArgs(['{"path":"/dev/sda"}', '5']), ctxWith(run, true))).toStrictEqual({
      exitCode: 0, output: '{"io_sync_duration":1,"path":"/dev/sda"}', error: '',
    });
    expect(calls).toStrictEqual([]);
  });

  it('refuses anything but a block device without running fio: a mount point, /etc/passwd, a missing path', async () => {
    const { run, calls } = scriptedRunner(() => result(fioJson(1)));
    const mounts = parseMountInfo((await new HostFs('/').readText('/proc/self/mountinfo')) ?? '');
    const mountPoint = mounts.find((m) => m.mountPoint === '/dev/shm')?.mountPoint ?? '/';
    const refused = async (target: string) => step.run(step.parseArgs([JSON.stringify({ path: target }), '5']), ctxWith(run));
    expect(await refused(mountPoint)).toStrictEqual({ exitCode: -1, output: '', error: `refusing to write to ${mountPoint}: it is a directory, not a block device` });
    expect(await refused('/etc/passwd')).toStrictEqual({ exitCode: -1, output: '', error: 'refusing to write to /etc/passwd: it is a regular file, not a block device' });
    expect(await refused('/dev/null')).toStrictEqual({ exitCode: -1, output: '', error: 'refusing to write to /dev/null: it is a character device, not a block device' });
    const missing = path.join(tempDir('disk-speed-missing'), 'nothing');
    expect(await refused(missing)).toStrictEqual({ exitCode: -1, output: '', error: `refusing to write to ${missing}: no such device` });
    expect(calls).toStrictEqual([]);
  });
});

describe('mounted filesystem detection', () => {
  it('parses mountinfo, unescaping octal white space', () => {
    const text = [
      '22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
      '98 22 7:3 / /mnt/my\\040disk rw,relatime shared:50 - ext4 /dev/loop3 rw',
      '30 22 0:26 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw,size=24684084k',
    ].join('\n');
    expect(parseMountInfo(text)).toStrictEqual([
      { majorMinor: '253:0', mountPoint: '/', source: '/dev/vda' },
      { majorMinor: '7:3', mountPoint: '/mnt/my disk', source: '/dev/loop3' },
      { majorMinor: '0:26', mountPoint: '/dev/shm', source: 'tmpfs' },
    ]);
  });

  it('follows a symlink to a regular file and refuses it, naming what it resolved to', async () => {
    const dir = tempDir('disk-speed-file');
    const file = path.join(dir, 'f');
    writeFileSync(file, 'x');
    const link = path.join(dir, 'by-id-disk');
    symlinkSync(file, link);
    expect(await diskToMeasure(link, new HostFs('/'))).toStrictEqual({ refusal: `refusing to write to ${link}: it is a regular file (${file}), not a block device` });
  });

  it('hands fio the device a symlink resolves to, so a link swapped after the check cannot redirect it', async () => {
    const device = unattachedBlockDevice();
    const link = path.join(tempDir('disk-speed-link'), 'disk-link');
    symlinkSync(device, link);
    expect(await diskToMeasure(link, new HostFs('/'))).toStrictEqual({ device });
  });
});
