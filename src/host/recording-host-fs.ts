import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HostFs } from './host-fs.js';

const MAX_SYMLINK_DEPTH = 40;

/**
 * A HostFs that also copies what it reads into a fixture directory, so the host can be replayed
 * later with `--host-root <dir>`:
 *
 * - every symlink crossed on the way (sysfs is mostly symlinks) is recreated with the same relative
 *   target; an absolute target is made relative, so the copy never points back into a live host;
 * - a file that was read gets its bytes; a file that was only listed or tested for existence (a
 *   /dev node, say) gets an empty placeholder, which is all a replay of that operation needs;
 * - a listed directory gets every entry, so that a replay lists the same names.
 */
export class RecordingHostFs extends HostFs {
  private readonly placed = new Map<string, Promise<void>>();

  constructor(
    root: string,
    readonly fixtureDir: string,
  ) {
    super(root);
  }

  override async readBytes(hostPath: string): Promise<Buffer | undefined> {
    const bytes = await super.readBytes(hostPath);
    if (bytes !== undefined) await this.recordFile(hostPath, bytes);
    return bytes;
  }

  override async readText(hostPath: string): Promise<string | undefined> {
    const bytes = await this.readBytes(hostPath);
    return bytes?.toString('utf8');
  }

  /** Read whole, so the recording holds the file; recordings are rare and may cost the memory. */
  override async readChunks(hostPath: string, onChunk: (chunk: Buffer) => void): Promise<boolean> {
    const bytes = await this.readBytes(hostPath);
    if (bytes === undefined) return false;
    onChunk(bytes);
    return true;
  }

  override async list(hostPath: string): Promise<string[]> {
    const names = await super.list(hostPath);
    const dir = await this.materialize(hostPath);
    if (dir !== undefined) await Promise.all(names.map((name) => this.recordEntry(path.posix.join(dir, name))));
    return names;
  }

  override async exists(hostPath: string): Promise<boolean> {
    const found = await super.exists(hostPath);
    if (found) await this.recordPresence(hostPath);
    return found;
  }

  override async isDirectory(hostPath: string): Promise<boolean> {
    const found = await super.isDirectory(hostPath);
    if (found) await this.materialize(hostPath);
    return found;
  }

  override async realPath(hostPath: string): Promise<string | undefined> {
    const resolved = await super.realPath(hostPath);
    if (resolved !== undefined) await this.recordPresence(hostPath);
    return resolved;
  }

  private out(hostPath: string): string {
    return path.join(this.fixtureDir, hostPath);
  }

  private async recordFile(hostPath: string, bytes: Buffer): Promise<void> {
    const resolved = await this.materialize(hostPath);
    if (resolved === undefined) return;
    await this.once(`file:${resolved}`, () => fs.writeFile(this.out(resolved), bytes));
  }

  private async recordPresence(hostPath: string): Promise<void> {
    const resolved = await this.materialize(hostPath);
    if (resolved !== undefined) await this.placeholderIfFile(resolved);
  }

  /** One entry of a listed directory, recorded without following it if it is a symlink. */
  private async recordEntry(hostPath: string): Promise<void> {
    let stat;
    try {
      stat = await fs.lstat(this.resolve(hostPath));
    } catch {
      return;
    }
    if (stat.isSymbolicLink()) await this.copyLink(hostPath);
    else if (stat.isDirectory()) await this.once(`dir:${hostPath}`, () => mkdir(this.out(hostPath)));
    else await this.placeholderIfFile(hostPath);
  }

  private async placeholderIfFile(hostPath: string): Promise<void> {
    let stat;
    try {
      stat = await fs.stat(this.resolve(hostPath));
    } catch {
      return;
    }
    if (stat.isDirectory()) return;
    // 'wx' leaves alone a file whose real bytes were recorded by a read.
    await fs.writeFile(this.out(hostPath), '', { flag: 'wx' }).catch(() => undefined);
  }

  /**
   * Recreates the directories and symlinks leading to `hostPath` in the fixture, and returns the
   * host path it resolves to (or undefined when it does not exist on the host).
   */
  private async materialize(hostPath: string, depth = 0): Promise<string | undefined> {
    if (depth > MAX_SYMLINK_DEPTH) return undefined;
    let current = '/';
    for (const part of hostPath.split('/').filter((p) => p !== '' && p !== '.')) {
      if (part === '..') {
        current = path.posix.dirname(current);
        continue;
      }
      const next = path.posix.join(current, part);
      let stat;
      try {
        stat = await fs.lstat(this.resolve(next));
      } catch {
        return undefined;
      }
      if (stat.isSymbolicLink()) {
        const target = await this.copyLink(next);
        if (target === undefined) return undefined;
        const followed = await this.materialize(path.posix.resolve(path.posix.dirname(next), target), depth + 1);
        if (followed === undefined) return undefined;
        current = followed;
      } else {
        if (stat.isDirectory()) await this.once(`dir:${next}`, () => mkdir(this.out(next)));
        current = next;
      }
    }
    return current;
  }

  /** Copies one symlink into the fixture and returns its target, made relative when it was absolute. */
  private async copyLink(hostPath: string): Promise<string | undefined> {
    let target: string;
    try {
      target = await fs.readlink(this.resolve(hostPath));
    } catch {
      return undefined;
    }
    const relative = target.startsWith('/') ? path.posix.relative(path.posix.dirname(hostPath), target) || '.' : target;
    await this.once(`link:${hostPath}`, async () => {
      await mkdir(path.dirname(this.out(hostPath)));
      await fs.symlink(relative, this.out(hostPath)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    });
    return relative;
  }

  /** Runs each fixture write once, however many collectors reach the same path concurrently. */
  private once(key: string, write: () => Promise<unknown>): Promise<void> {
    let done = this.placed.get(key);
    if (!done) {
      done = write().then(
        () => undefined,
        () => undefined,
      );
      this.placed.set(key, done);
    }
    return done;
  }
}

async function mkdir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
}
