import { createWriteStream, promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import { programOnPath } from '../host/program-lookup.js';
import { parseMountInfo } from './installation-disk-speed-check.js';
import { FieldChecks, singleJsonObject } from './args.js';
import { DEFAULT_STEP_TIMEOUT_MS, failed, ok, type StepContext, type StepModule } from './types.js';

export interface DownloadBootArtifactsArgs {
  host_fs_mount_dir: string;
  kernel_url: string;
  initrd_url: string;
  rootfs_url: string;
}

export interface DownloadBootArtifactsOptions {
  attempts: number;
  retryDelayMs: number;
  arch: string;
}

export const BOOT_ENTRY_RELATIVE = 'boot/loader/entries/00-assisted-discovery.conf';
const KERNEL_RELATIVE = 'boot/discovery/vmlinuz';
const INITRD_RELATIVE = 'boot/discovery/initrd';
const COMMAND_TIMEOUT_MS = 5 * 60_000;
export const SUCCESS_OUTPUT = 'Successfully downloaded boot artifacts';

/** The BLS entry text, byte for byte upstream's (no trailing newline). */
export function bootLoaderEntry(rootfsUrl: string, arch: string): string {
  const options = arch === 's390x'
    ? `random.trust_cpu=on ai.ip_cfg_override=1 ignition.firstboot ignition.platform.id=metal coreos.live.rootfs_url=${rootfsUrl}`
    : `random.trust_cpu=on ignition.firstboot ignition.platform.id=metal 'coreos.live.rootfs_url=${rootfsUrl}'`;
  return `title Assisted Installer Discovery\nversion 999\noptions ${options}\nlinux /boot/discovery/vmlinuz\ninitrd /boot/discovery/initrd`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function withRetries<T>(what: string, options: DownloadBootArtifactsOptions, signal: AbortSignal, attempt: () => Promise<T>, log: StepContext['log']): Promise<T> {
  let last: unknown;
  for (let i = 1; i <= options.attempts; i++) {
    try {
      return await attempt();
    } catch (err) {
      last = err;
      log.warn(`${what}, attempt ${i}/${options.attempts}: ${(err as Error).message}`);
      if (signal.aborted) break;
      if (i < options.attempts) await sleep(options.retryDelayMs, signal);
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

async function isMountPoint(dir: string, ctx: StepContext): Promise<boolean> {
  let real: string;
  try {
    real = await fs.realpath(dir);
  } catch {
    return false;
  }
  return parseMountInfo((await ctx.hostFs.readText('/proc/self/mountinfo')) ?? '').some((m) => m.mountPoint === real);
}

/**
 * On RHCOS /boot is mounted read-only; upstream remounts it for every request. Here the remount only
 * happens when <mnt>/boot really is a mount point, so a plain directory (a test tree, a host
 * without a separate /boot) is never touched by `mount`.
 */
async function prepareFolders(mountDir: string, ctx: StepContext): Promise<void> {
  const boot = path.join(mountDir, 'boot');
  if (await isMountPoint(boot, ctx)) {
    const result = await ctx.run('mount', ['-o', 'remount,rw', boot], { timeoutMs: COMMAND_TIMEOUT_MS, signal: ctx.signal });
    if (result.exitCode !== 0) throw new Error(`failed to mount boot folder [${boot}]: ${result.stderr.trim() || `mount exited with code ${result.exitCode}`}`);
  }
  await fs.mkdir(path.join(mountDir, 'boot/discovery'), { recursive: true });
  await fs.mkdir(path.join(mountDir, 'boot/loader/entries'), { recursive: true });
}

function dispatcherFor(ctx: StepContext): Agent | undefined {
  if (!ctx.agent.cacertPath) return undefined;
  return new Agent({ connect: { ca: readFileSync(ctx.agent.cacertPath) } });
}

/** Streams the body to disk rather than holding an initrd (~100 MB) in memory, as upstream does. */
async function download(url: string, file: string, ctx: StepContext, dispatcher: Agent | undefined): Promise<void> {
  const res = await undiciFetch(url, { signal: ctx.signal, dispatcher });
  if (res.status < 200 || res.status >= 300 || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`failed downloading boot artifact from ${url}, status code received: ${res.status}`);
  }
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file, { mode: 0o644 }));
}

async function freeBytes(dir: string): Promise<number> {
  const stat = await fs.statfs(dir);
  return stat.bavail * stat.bsize;
}

/**
 * Upstream checks <mnt>/boot/boot (a path joined twice) and so fails on every host without such a
 * directory; the check here is on the boot directory the files go to.
 */
async function ensureBootHasSpace(bootDir: string, needed: number, ctx: StepContext): Promise<void> {
  let free = await freeBytes(bootDir);
  if (free > needed) return;
  ctx.log.warn(`Boot folder does not have enough space. Wanted: ${needed} bytes, Available: ${free} bytes. Attempting to reclaim space`);
  if (!programOnPath('rpm-ostree')) throw new Error(`boot folder does not have enough space, artifacts size: ${needed}, free space: ${free}, and rpm-ostree is not available to reclaim space`);
  const result = await ctx.run('rpm-ostree', ['cleanup', '--os=rhcos', '-r'], { timeoutMs: COMMAND_TIMEOUT_MS, signal: ctx.signal });
  if (result.exitCode !== 0) throw new Error(`failed to reclaim boot folder space: Cleanup command for RHCOS failed: ${result.stdout.trim()}: ${result.stderr.trim()}`);
  free = await freeBytes(bootDir);
  if (free < needed) throw new Error(`boot folder does not have enough space, artifacts size: ${needed}, free space: ${free}`);
}

/** Copy to a temporary name and rename, so a half-written file never looks like a finished one. */
async function install(source: string, target: string): Promise<void> {
  const partial = `${target}.inband-partial`;
  await fs.copyFile(source, partial);
  const handle = await fs.open(partial, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(partial, target);
}

export async function downloadBootArtifacts(args: DownloadBootArtifactsArgs, ctx: StepContext, options: DownloadBootArtifactsOptions): Promise<void> {
  const mnt = args.host_fs_mount_dir;
  const kernelTarget = path.join(mnt, KERNEL_RELATIVE);
  const initrdTarget = path.join(mnt, INITRD_RELATIVE);
  const entryTarget = path.join(mnt, BOOT_ENTRY_RELATIVE);

  await withRetries('failed to create folders', options, ctx.signal, () => prepareFolders(mnt, ctx), ctx.log);

  let dispatcher: Agent | undefined;
  try {
    dispatcher = dispatcherFor(ctx);
  } catch (err) {
    throw new Error(`failed downloading boot artifacts: failed creating secure assisted service client: ${(err as Error).message}`);
  }
  const work = await fs.mkdtemp(path.join(tmpdir(), 'inband-boot-'));
  try {
    const kernel = path.join(work, 'vmlinuz');
    const initrd = path.join(work, 'initrd');
    const entry = path.join(work, '00-assisted-discovery.conf');
    try {
      await withRetries(`failed downloading kernel from ${args.kernel_url}`, options, ctx.signal, () => download(args.kernel_url, kernel, ctx, dispatcher), ctx.log);
    } catch (err) {
      throw new Error(`failed downloading boot artifacts: failed downloading kernel to host: failed getting ${args.kernel_url}: ${(err as Error).message}`);
    }
    try {
      await withRetries(`failed downloading initrd from ${args.initrd_url}`, options, ctx.signal, () => download(args.initrd_url, initrd, ctx, dispatcher), ctx.log);
    } catch (err) {
      throw new Error(`failed downloading boot artifacts: failed downloading initrd to host: failed getting ${args.initrd_url}: ${(err as Error).message}`);
    }
    await fs.writeFile(entry, bootLoaderEntry(args.rootfs_url, options.arch), { mode: 0o644 });

    const sizes = await Promise.all([kernel, initrd, entry].map(async (f) => (await fs.stat(f)).size));
    try {
      await ensureBootHasSpace(path.join(mnt, 'boot'), sizes.reduce((a, b) => a + b, 0), ctx);
    } catch (err) {
      throw new Error(`failed to ensure boot folder has enough space: ${(err as Error).message}`);
    }
    // The entry goes last: its presence is what marks the artifacts complete (see the skip check).
    try {
      await install(kernel, kernelTarget);
      await install(initrd, initrdTarget);
      await install(entry, entryTarget);
    } catch (err) {
      throw new Error(`failed to move files to boot folder: ${(err as Error).message}`);
    }
  } finally {
    await dispatcher?.close().catch(() => undefined);
    await fs.rm(work, { recursive: true, force: true });
  }
}

export function downloadBootArtifactsStep(options: DownloadBootArtifactsOptions): StepModule<DownloadBootArtifactsArgs> {
  return {
    type: 'download-boot-artifacts',
    // Two downloads with up to 5 attempts a minute apart, plus the folder retries, must fit.
    timeoutMs: Math.max(DEFAULT_STEP_TIMEOUT_MS, 3 * options.attempts * (options.retryDelayMs + 60_000)),
    parseArgs(args) {
      const request = singleJsonObject(args, 'download_boot_artifacts_request');
      const checks = new FieldChecks();
      const parsed = {
        host_fs_mount_dir: checks.absolutePath(request, 'host_fs_mount_dir', { required: true }),
        initrd_url: checks.httpUrl(request, 'initrd_url', { required: true }),
        kernel_url: checks.httpUrl(request, 'kernel_url', { required: true }),
        rootfs_url: checks.httpUrl(request, 'rootfs_url', { required: true }),
      };
      checks.done();
      return parsed as DownloadBootArtifactsArgs;
    },
    async run(args, ctx) {
      const mnt = args.host_fs_mount_dir;
      const present = await Promise.all([KERNEL_RELATIVE, INITRD_RELATIVE, BOOT_ENTRY_RELATIVE].map((f) => exists(path.join(mnt, f))));
      if (present.every(Boolean)) {
        ctx.log.info('Boot artifacts and boot loader entry already present');
        return ok(SUCCESS_OUTPUT);
      }
      if (ctx.dryRun.enabled) return ok(SUCCESS_OUTPUT);
      try {
        await downloadBootArtifacts(args, ctx, options);
      } catch (err) {
        return failed((err as Error).message);
      }
      return ok(SUCCESS_OUTPUT);
    },
  };
}

export const DEFAULT_DOWNLOAD_OPTIONS: DownloadBootArtifactsOptions = { attempts: 5, retryDelayMs: 60_000, arch: process.arch };

export default downloadBootArtifactsStep(DEFAULT_DOWNLOAD_OPTIONS);
