import { accessSync, lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { HostFs } from './host-fs.js';

/**
 * A HostFs whose reads are synchronous system calls behind the same promise-returning methods.
 *
 * Collecting an inventory reads a few hundred tiny files from sysfs and procfs, where every read
 * completes at once. Through fs.promises each costs four thread-pool round trips (open, stat,
 * read, close), a FileHandle and several promises; done directly it is a few microseconds, no
 * thread pool is started, and far less garbage is made. Only for pseudo-filesystems and small
 * local files: a read that could block (a network filesystem) belongs on the plain HostFs.
 */
export class SyncHostFs extends HostFs {
  override async readText(hostPath: string): Promise<string | undefined> {
    try {
      return readFileSync(this.resolve(hostPath), 'utf8');
    } catch {
      return undefined;
    }
  }

  override async readBytes(hostPath: string): Promise<Buffer | undefined> {
    try {
      return readFileSync(this.resolve(hostPath));
    } catch {
      return undefined;
    }
  }

  override async list(hostPath: string): Promise<string[]> {
    try {
      return readdirSync(this.resolve(hostPath)).sort();
    } catch {
      return [];
    }
  }

  override async exists(hostPath: string): Promise<boolean> {
    try {
      accessSync(this.resolve(hostPath));
      return true;
    } catch {
      return false;
    }
  }

  override async isDirectory(hostPath: string): Promise<boolean> {
    try {
      return statSync(this.resolve(hostPath)).isDirectory();
    } catch {
      return false;
    }
  }

  override async realPath(hostPath: string): Promise<string | undefined> {
    try {
      if (this.root === '/') return realpathSync.native(hostPath);
      return resolveInsideRootSync(this.root, hostPath);
    } catch {
      return undefined;
    }
  }
}

const MAX_SYMLINK_HOPS = 40;

/** HostFs.realPath's chroot-like resolution, with synchronous calls; throws when a component is missing. */
function resolveInsideRootSync(root: string, hostPath: string): string | undefined {
  const pending = hostPath.split('/').filter(Boolean);
  let current = '/';
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      current = path.posix.dirname(current);
      continue;
    }
    const next = path.posix.join(current, part);
    if (!lstatSync(path.join(root, next)).isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) return undefined;
    const target = readlinkSync(path.join(root, next));
    pending.unshift(...target.split('/').filter(Boolean));
    if (target.startsWith('/')) current = '/';
  }
  return current;
}
