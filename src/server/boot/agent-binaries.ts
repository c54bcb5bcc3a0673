import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { open as openCallback, close as closeCallback, fstat as fstatCallback, read as readCallback, type Stats } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import type { Logger } from '../../log/logger.js';
import { readStream, type FileRepresentation } from '../http/file-response.js';
import { canonicalArchitecture, elfArchitecture, NotAnAgentBinaryError } from './elf.js';

const openFd = promisify(openCallback);
const closeFd = promisify(closeCallback);
const fstat = promisify(fstatCallback);
const readAt = promisify(readCallback);

export interface AgentBinary {
  /** Upstream's `cpu_architecture` name, from the ELF header. */
  readonly cpuArchitecture: string;
  readonly identity: FileRepresentation;
  /** Hex digests of the binary itself (what Ignition's `verification.hash` and `sha256sum -c` check). */
  readonly sha256: string;
  readonly sha512: string;
  /** The gzip representation (compressed once into the cache directory); waits while that runs. */
  gzip(): Promise<FileRepresentation>;
}

/** gzip level 6: 100 MB in ~4 s on one core; level 9 takes three times as long for 0.4 % less. */
const GZIP_LEVEL = 6;

function representation(file: string, fd: number, stats: Stats, sha256: string): FileRepresentation {
  return { fd, size: stats.size, etag: `"${sha256.slice(0, 32)}"`, mtimeMs: stats.mtimeMs, path: file };
}

/** Streams the descriptor's bytes through the hashes: the file is never held whole in memory. */
async function digests(fd: number, algorithms: string[]): Promise<string[]> {
  const hashes = algorithms.map((a) => createHash(a));
  for await (const chunk of await readStream({ fd })) for (const hash of hashes) hash.update(chunk as Buffer);
  return hashes.map((h) => h.digest('hex'));
}

async function readHeader(fd: number): Promise<Uint8Array> {
  const header = Buffer.alloc(20);
  const { bytesRead } = await readAt(fd, header, 0, header.length, 0);
  return header.subarray(0, bytesRead);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The agent executables `inband serve` hands to discovery hosts, one per CPU architecture: its own
 * single executable by default, or the builds named by `--agent-binary`. Each is hashed once at
 * start and compressed once into `<data-dir>/agent-binaries/<sha256>.gz` (older builds' files
 * there are removed), so 200 hosts fetching at once cost disk reads, not CPU or memory.
 */
export class AgentBinaries {
  private readonly byArch = new Map<string, AgentBinary>();
  private readonly fds: number[] = [];
  private readonly pending: Promise<unknown>[] = [];

  private constructor(
    private readonly cacheDir: string,
    private readonly log?: Logger,
  ) {}

  static async load(files: string[], cacheDir: string, log?: Logger): Promise<AgentBinaries> {
    const binaries = new AgentBinaries(cacheDir, log);
    try {
      for (const file of files) await binaries.add(path.resolve(file));
      await binaries.removeStaleCaches();
    } catch (error) {
      await binaries.close();
      throw error;
    }
    return binaries;
  }

  forArchitecture(arch: string): AgentBinary | undefined {
    return this.byArch.get(canonicalArchitecture(arch));
  }

  list(): AgentBinary[] {
    return [...this.byArch.values()];
  }

  /** Waits for the compressions still running (tests, benchmarks), then nothing is pending. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.pending);
  }

  async close(): Promise<void> {
    await this.settled();
    await Promise.all(this.fds.splice(0).map((fd) => closeFd(fd).catch(() => undefined)));
  }

  /**
   * False when the file behind a representation was rewritten in place since it was hashed: its
   * bytes no longer match the digests the discovery files pin.
   */
  async unchanged(rep: FileRepresentation): Promise<boolean> {
    const now = await fstat(rep.fd);
    return now.size === rep.size && now.mtimeMs === rep.mtimeMs;
  }

  private async add(file: string): Promise<void> {
    const fd = await openFd(file, 'r').catch((error: NodeJS.ErrnoException) => {
      throw new NotAnAgentBinaryError(file, error.code === 'ENOENT' ? 'no such file' : error.message);
    });
    this.fds.push(fd);
    const stats = await fstat(fd);
    if (!stats.isFile()) throw new NotAnAgentBinaryError(file, 'not a regular file');
    const arch = elfArchitecture(await readHeader(fd), file);
    if (this.byArch.has(arch)) throw new NotAnAgentBinaryError(file, `a second ${arch} binary (one per architecture)`);
    const [sha256, sha512] = (await digests(fd, ['sha256', 'sha512'])) as [string, string];
    const identity = representation(file, fd, stats, sha256);
    const gzip = this.compressed(identity, sha256);
    // A failure is reported when a host asks for the gzip form; keep it from being unhandled here.
    gzip.catch(() => undefined);
    this.pending.push(gzip);
    this.byArch.set(arch, { cpuArchitecture: arch, identity, sha256, sha512, gzip: () => gzip });
    this.log?.info('serving agent binary', { path: file, cpu_architecture: arch, size_bytes: stats.size, sha256 });
  }

  private async compressed(source: FileRepresentation, sha256: string): Promise<FileRepresentation> {
    await fs.mkdir(this.cacheDir, { recursive: true, mode: 0o700 });
    const target = path.join(this.cacheDir, `${sha256}.gz`);
    let fd = await openFd(target, 'r').catch(() => undefined);
    if (fd === undefined) {
      const started = Date.now();
      const partial = `${target}.${process.pid}.partial`;
      try {
        await pipeline(await readStream(source), createGzip({ level: GZIP_LEVEL }), createWriteStream(partial, { mode: 0o600 }));
        await fs.rename(partial, target);
      } catch (error) {
        await fs.rm(partial, { force: true });
        throw error;
      }
      fd = await openFd(target, 'r');
      this.log?.info('compressed agent binary', { path: target, ms: Date.now() - started });
    }
    this.fds.push(fd);
    const [gzipSha256] = (await digests(fd, ['sha256'])) as [string];
    return representation(target, fd, await fstat(fd), gzipSha256);
  }

  /**
   * Compressed copies of builds no longer served, and partial files of a start that was killed
   * (another live process sharing the data dir may still be writing its own).
   */
  private async removeStaleCaches(): Promise<void> {
    const keep = new Set(this.list().map((b) => `${b.sha256}.gz`));
    const entries = await fs.readdir(this.cacheDir).catch(() => [] as string[]);
    const stale = entries.filter((name) => {
      const match = /^[0-9a-f]{64}\.gz(?:\.(\d+)\.partial)?$/.exec(name);
      if (!match) return false;
      return match[1] === undefined ? !keep.has(name) : !processAlive(Number(match[1]));
    });
    await Promise.all(stale.map((name) => fs.rm(path.join(this.cacheDir, name), { force: true })));
  }
}
