import { promises as fs } from 'node:fs';
import { StepArgsError } from '../errors.js';
import type { CommandResult, CommandRunner } from '../host/command-runner.js';
import { TIMEOUT_EXIT_CODE } from '../host/command-runner.js';
import type { HostFs } from '../host/host-fs.js';
import { encodeGoJson } from '../inventory/go-json.js';
import { singleJsonArg } from './args.js';
import { DEFAULT_STEP_TIMEOUT_MS, failed, ok, type StepModule } from './types.js';

export interface DiskSpeedArgs {
  path: string;
  /** Seconds, as upstream hands args[1] to `timeout`. */
  timeoutSeconds: number;
}

const FIO_RUNS = 2;
const DRY_RUN_DURATION_MS = 1;
// The stand-alone tool gets only the request JSON (as upstream's binary); it still needs a bound.
const TOOL_TIMEOUT_SECONDS = 300;
// Go's strconv.ParseFloat accepts these forms; anything else would make upstream's `timeout` fail.
const FLOAT_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** fio treats ':' in --filename as a list separator; a path such as /dev/disk/by-path/pci-0000:00:1f.2 needs it escaped. */
export function fioFilename(devicePath: string): string {
  return devicePath.replaceAll(':', '\\:');
}

export function fioArgs(devicePath: string): string[] {
  return [
    '--filename', fioFilename(devicePath),
    '--name=test', '--rw=write', '--ioengine=sync', '--size=22m', '-bs=2300', '--fdatasync=1', '--output-format=json',
  ];
}

/**
 * The 99th percentile of fdatasync latency in whole milliseconds (truncated, as upstream's integer
 * division of nanoseconds). fio may print warnings before the JSON document, so parsing starts at
 * the first '{'.
 */
export function parseFioP99Ms(stdout: string): number {
  const start = stdout.indexOf('{');
  if (start < 0) throw new Error('no JSON document in fio output');
  const doc = JSON.parse(stdout.slice(start)) as { jobs?: Array<{ sync?: { lat_ns?: { percentile?: Record<string, unknown> } } }> };
  const p99 = doc.jobs?.[0]?.sync?.lat_ns?.percentile?.['99.000000'];
  if (typeof p99 !== 'number' || !Number.isFinite(p99) || p99 < 0) throw new Error('fio output has no jobs[0].sync.lat_ns.percentile["99.000000"]');
  return Math.floor(p99 / 1e6);
}

interface MountEntry {
  majorMinor: string;
  mountPoint: string;
  source: string;
}

/** /proc/self/mountinfo lines; mount points and sources escape white space as octal (\040). */
export function parseMountInfo(text: string): MountEntry[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (fields.length < 5 || dash < 0) continue;
    entries.push({ majorMinor: fields[2] as string, mountPoint: unescape(fields[4] as string), source: unescape(fields[dash + 2] ?? '') });
  }
  return entries;
}

function majorMinorOf(rdev: bigint): string {
  // Linux's dev_t layout (glibc gnu_dev_major/minor).
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/**
 * The device and everything built on it whose filesystem would be destroyed by writing to it:
 * its partitions and, recursively, its holders (device-mapper, md, LVM) and their partitions.
 */
async function devicesOn(majorMinor: string, hostFs: HostFs, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(majorMinor)) return seen;
  seen.add(majorMinor);
  const sysDir = `/sys/dev/block/${majorMinor}`;
  for (const entry of await hostFs.list(sysDir)) {
    if ((await hostFs.readTrimmed(`${sysDir}/${entry}/partition`)) === undefined) continue;
    const partDev = await hostFs.readTrimmed(`${sysDir}/${entry}/dev`);
    if (partDev) await devicesOn(partDev, hostFs, seen);
  }
  for (const holder of await hostFs.list(`${sysDir}/holders`)) {
    const holderDev = await hostFs.readTrimmed(`/sys/class/block/${holder}/dev`);
    if (holderDev) await devicesOn(holderDev, hostFs, seen);
  }
  return seen;
}

/**
 * The block device fio may write to, or why it may not. fio writes 22 MiB from offset 0 of
 * whatever it is given, and creates a file where nothing is, so only an existing block device
 * with no mounted filesystem on it (itself, a partition or a holder) is accepted. Symlinks
 * (/dev/disk/by-id/…) are resolved first, and fio is given the resolved device, so a link that
 * changes after the check cannot redirect the write.
 */
export async function diskToMeasure(devicePath: string, hostFs: HostFs): Promise<{ device: string } | { refusal: string }> {
  let real: string;
  let stat;
  try {
    real = await fs.realpath(devicePath);
    stat = await fs.stat(real, { bigint: true });
  } catch (err) {
    return { refusal: `refusing to write to ${devicePath}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such device' : (err as Error).message}` };
  }
  if (!stat.isBlockDevice()) {
    const kind = stat.isFile() ? 'a regular file' : stat.isDirectory() ? 'a directory' : stat.isCharacterDevice() ? 'a character device' : 'not a block device';
    return { refusal: `refusing to write to ${devicePath}: it is ${kind}${real === devicePath ? '' : ` (${real})`}, not a block device` };
  }
  const mounts = parseMountInfo((await hostFs.readText('/proc/self/mountinfo')) ?? '');
  const devices = await devicesOn(majorMinorOf(stat.rdev), hostFs);
  for (const mount of mounts) {
    if (devices.has(mount.majorMinor)) return { refusal: mountedRefusal(devicePath, mount.mountPoint) };
    if (!mount.source.startsWith('/')) continue;
    try {
      const source = await fs.stat(await fs.realpath(mount.source), { bigint: true });
      if (source.isBlockDevice() && devices.has(majorMinorOf(source.rdev))) return { refusal: mountedRefusal(devicePath, mount.mountPoint) };
    } catch {
      // A mount whose source is gone cannot be the device.
    }
  }
  return { device: real };
}

function mountedRefusal(devicePath: string, mountPoint: string): string {
  return `refusing to write to ${devicePath}: it holds a mounted filesystem (${mountPoint})`;
}

async function fioRun(run: CommandRunner, devicePath: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
  const result: CommandResult = await run('fio', fioArgs(devicePath), { timeoutMs, signal });
  if (result.exitCode !== 0) {
    throw Object.assign(
      new Error(`Could not get I/O performance for path ${devicePath} (fio exit code: ${result.exitCode}, stderr: ${result.stderr.trim()})`),
      { timedOut: result.timedOut },
    );
  }
  try {
    return parseFioP99Ms(result.stdout);
  } catch (err) {
    throw new Error(`Could not get I/O performance for path ${devicePath} (fio output: ${(err as Error).message})`);
  }
}

let measuring = false;

/**
 * `installation-disk-speed-check`: fio's fdatasync p99 on the installation disk, the worst of two
 * concurrent runs (concurrent so that the latency reflects a disk shared by etcd and the rest).
 */
const installationDiskSpeedCheck: StepModule<DiskSpeedArgs> = {
  type: 'installation-disk-speed-check',
  timeoutMs: DEFAULT_STEP_TIMEOUT_MS,
  parseArgs(args) {
    if (args.length !== 1 && args.length !== 2) throw new StepArgsError(`expected 2 arguments (the DiskSpeedCheckRequest JSON and a timeout in seconds), got ${args.length}`);
    let request: unknown;
    try {
      request = singleJsonArg(args.slice(0, 1), 'DiskSpeedCheckRequest');
    } catch (err) {
      throw new StepArgsError((err as Error).message.replace(/^failed to unmarshal/, 'Failed to unmarshal'));
    }
    const devicePath = typeof request === 'object' && request !== null ? (request as { path?: unknown }).path : undefined;
    if (typeof devicePath !== 'string' || devicePath === '') throw new StepArgsError('Missing disk path');
    const timeoutText = args[1];
    if (timeoutText === undefined) return { path: devicePath, timeoutSeconds: TOOL_TIMEOUT_SECONDS };
    const timeoutSeconds = FLOAT_RE.test(timeoutText.trim()) ? Number(timeoutText.trim()) : NaN;
    if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) throw new StepArgsError(`failed to parse disk speed check timeout "${timeoutText}": not a positive float`);
    return { path: devicePath, timeoutSeconds };
  },
  async run(args, ctx) {
    if (ctx.dryRun.enabled) return ok(encodeGoJson({ io_sync_duration: DRY_RUN_DURATION_MS, path: args.path }));
    const target = await diskToMeasure(args.path, ctx.hostFs);
    if ('refusal' in target) return failed(target.refusal);
    // Upstream answers an overlapping request with empty output while its fio container runs.
    if (measuring) return ok('');
    measuring = true;
    try {
      const timeoutMs = Math.ceil(args.timeoutSeconds * 1000);
      const runs = await Promise.allSettled(Array.from({ length: FIO_RUNS }, () => fioRun(ctx.run, target.device, timeoutMs, ctx.signal)));
      const durations = runs.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (durations.length > 0) return ok(encodeGoJson({ io_sync_duration: Math.max(...durations), path: args.path }));
      const errors = runs.map((r) => (r as PromiseRejectedResult).reason as Error & { timedOut?: boolean });
      const last = errors[errors.length - 1] as Error & { timedOut?: boolean };
      // As upstream's `timeout` wrapper: a measurement cut off by its deadline answers 124.
      const exitCode = errors.every((e) => e.timedOut) ? TIMEOUT_EXIT_CODE : -1;
      return failed(last.message, exitCode, encodeGoJson({ io_sync_duration: 0, path: args.path }));
    } finally {
      measuring = false;
    }
  },
};

export default installationDiskSpeedCheck;
