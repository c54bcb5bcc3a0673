import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostFs } from '../host/host-fs.js';
import { StepArgsError } from '../errors.js';
import type { StepContext } from './types.js';
import defaultStep, { bootLoaderEntry, downloadBootArtifactsStep } from './download-boot-artifacts.js';
import { context, result, scriptedRunner } from '../../test/support/step-runner-fake.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { swaggerErrors } from '../../test/support/swagger.js';

const KERNEL = Buffer.from('MZ fake kernel image\x00\x01\x02');
const INITRD = Buffer.alloc(256 * 1024, 7);
const ROOTFS = 'http://10.1.155.24:6016/boot-artifacts/rootfs?arch=x86_64&version=4.10';
const step = downloadBootArtifactsStep({ attempts: 3, retryDelayMs: 20, arch: 'x64' });

let server: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/kernel') return res.end(KERNEL);
    if (req.url === '/initrd') return res.end(INITRD);
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
function ctxWith(run = scriptedRunner(() => result('')).run): StepContext {
  return { ...context(run), hostFs: new HostFs('/'), log, agent: { url: '', infraEnvId: '', hostId: '', agentVersion: '', insecure: false, token: '' } } as unknown as StepContext;
}
function request(mnt: string, kernel = '/kernel', initrd = '/initrd'): string {
  return JSON.stringify({ host_fs_mount_dir: mnt, kernel_url: `${base}${kernel}`, initrd_url: `${base}${initrd}`, rootfs_url: ROOTFS });
}

describe('download-boot-artifacts', () => {
  it('requires every field, in go-openapi words', () => {
    expect(() => step.parseArgs(['{"host_fs_mount_dir":"/host"}'])).toThrow(
      new StepArgsError('validation failure list:\ninitrd_url in body is required\nkernel_url in body is required\nrootfs_url in body is required'),
    );
    expect(() => step.parseArgs(['{'])).toThrow(/^failed to unmarshal download_boot_artifacts_request: /);
    const parsed = step.parseArgs([request('/host')]);
    expect(swaggerErrors('download_boot_artifacts_request', parsed)).toStrictEqual([]);
  });

  it('writes upstream\'s BLS entry (quoted URL; unquoted with ip_cfg_override on s390x)', () => {
    expect(bootLoaderEntry(ROOTFS, 'x64')).toBe(
      'title Assisted Installer Discovery\nversion 999\n' +
        `options random.trust_cpu=on ignition.firstboot ignition.platform.id=metal 'coreos.live.rootfs_url=${ROOTFS}'\n` +
        'linux /boot/discovery/vmlinuz\ninitrd /boot/discovery/initrd',
    );
    expect(bootLoaderEntry('http://x/r', 's390x')).toBe(
      'title Assisted Installer Discovery\nversion 999\n' +
        'options random.trust_cpu=on ai.ip_cfg_override=1 ignition.firstboot ignition.platform.id=metal coreos.live.rootfs_url=http://x/r\n' +
        'linux /boot/discovery/vmlinuz\ninitrd /boot/discovery/initrd',
    );
  });

  it('downloads kernel and initrd into <mnt>/boot/discovery and writes the entry; no remount of a plain directory', async () => {
    const mnt = tempDir('boot-artifacts');
    const { run, calls } = scriptedRunner(() => result(''));
    hits.length = 0;
    const reply = await step.run(step.parseArgs([request(mnt)]), ctxWith(run));
    expect(reply).toStrictEqual({ exitCode: 0, output: 'Successfully downloaded boot artifacts', error: '' });
    expect(readFileSync(path.join(mnt, 'boot/discovery/vmlinuz'))).toStrictEqual(KERNEL);
    expect(readFileSync(path.join(mnt, 'boot/discovery/initrd'))).toStrictEqual(INITRD);
    expect(readFileSync(path.join(mnt, 'boot/loader/entries/00-assisted-discovery.conf'), 'utf8')).toBe(bootLoaderEntry(ROOTFS, 'x64'));
    expect(hits).toStrictEqual(['/kernel', '/initrd']);
    // Neither `mount` (not a mount point) nor rpm-ostree (space is plentiful) was needed.
    expect(calls).toStrictEqual([]);
  });

  it('succeeds at once, without downloading, when the artifacts are already there', async () => {
    const mnt = tempDir('boot-present');
    mkdirSync(path.join(mnt, 'boot/discovery'), { recursive: true });
    mkdirSync(path.join(mnt, 'boot/loader/entries'), { recursive: true });
    for (const f of ['boot/discovery/vmlinuz', 'boot/discovery/initrd', 'boot/loader/entries/00-assisted-discovery.conf']) writeFileSync(path.join(mnt, f), 'old');
    hits.length = 0;
    const reply = await defaultStep.run(defaultStep.parseArgs([request(mnt, '/missing', '/missing')]), ctxWith());
    expect(reply).toStrictEqual({ exitCode: 0, output: 'Successfully downloaded boot artifacts', error: '' });
    expect(hits).toStrictEqual([]);
    expect(readFileSync(path.join(mnt, 'boot/discovery/vmlinuz'), 'utf8')).toBe('old');
  });

  it('fails with -1 after the retries on a 404, writing no boot entry', async () => {
    const mnt = tempDir('boot-404');
    hits.length = 0;
    const reply = await step.run(step.parseArgs([request(mnt, '/kernel', '/gone')]), ctxWith());
    expect(reply).toStrictEqual({
      exitCode: -1,
      output: '',
      error: `failed downloading boot artifacts: failed downloading initrd to host: failed getting ${base}/gone: failed downloading boot artifact from ${base}/gone, status code received: 404`,
    });
    expect(hits).toStrictEqual(['/kernel', '/gone', '/gone', '/gone']);
    expect(() => readFileSync(path.join(mnt, 'boot/loader/entries/00-assisted-discovery.conf'))).toThrow(/ENOENT/);
  });

  it('remounts <mnt>/boot read-write through the runner when it is a mount point', async () => {
    const mnt = tempDir('boot-mounted');
    mkdirSync(path.join(mnt, 'boot'));
    const fakeHost = tempDir('boot-mounted-host');
    mkdirSync(path.join(fakeHost, 'proc/self'), { recursive: true });
    writeFileSync(path.join(fakeHost, 'proc/self/mountinfo'), `22 1 253:0 / / rw - ext4 /dev/vda rw\n99 22 252:3 / ${path.join(mnt, 'boot')} ro,relatime - ext4 /dev/vda3 ro\n`);
    const { run, calls } = scriptedRunner(() => result(''));
    const ctx = { ...ctxWith(run), hostFs: new HostFs(fakeHost) };
    expect(await step.run(step.parseArgs([request(mnt)]), ctx)).toStrictEqual({ exitCode: 0, output: 'Successfully downloaded boot artifacts', error: '' });
    expect(calls.map((c) => [c.file, c.args])).toStrictEqual([['mount', ['-o', 'remount,rw', path.join(mnt, 'boot')]]]);
  });
});
