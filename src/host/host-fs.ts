import { lstatSync, promises as fs, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Every read of the host's /sys, /proc, /dev and /etc goes through a HostFs, so the same collector
 * code runs on the host (root "/"), in a container with the host mounted at /host, and on a
 * recorded fixture tree in tests.
 */
export class HostFs {
  constructor(readonly root: string = '/') {}

  /** Absolute path on this machine for a host path such as "/sys/class/net". */
  resolve(hostPath: string): string {
    return path.join(this.root, hostPath);
  }

  /** File contents, or undefined when the file is missing or unreadable. */
  async readText(hostPath: string): Promise<string | undefined> {
    try {
      return await fs.readFile(this.resolve(hostPath), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** File contents with surrounding white space removed, or undefined. */
  async readTrimmed(hostPath: string): Promise<string | undefined> {
    const text = await this.readText(hostPath);
    return text?.trim();
  }

  async readBytes(hostPath: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.resolve(hostPath));
    } catch {
      return undefined;
    }
  }

  /**
   * Feeds a file to `onChunk` a piece at a time (the buffer is reused: consume it before
   * returning), for large databases that are scanned, not kept; false when it cannot be read.
   */
  async readChunks(hostPath: string, onChunk: (chunk: Buffer) => void, chunkBytes = CHUNK_BYTES): Promise<boolean> {
    let file;
    try {
      file = await fs.open(this.resolve(hostPath), 'r');
    } catch {
      return false;
    }
    try {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, chunkBytes, null);
        if (bytesRead === 0) return true;
        onChunk(buffer.subarray(0, bytesRead));
      }
    } catch {
      return false;
    } finally {
      await file.close();
    }
  }

  /** Entry names of a directory, sorted; [] when it is missing. */
  async list(hostPath: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.resolve(hostPath))).sort();
    } catch {
      return [];
    }
  }

  async exists(hostPath: string): Promise<boolean> {
    try {
      await fs.access(this.resolve(hostPath));
      return true;
    } catch {
      return false;
    }
  }

  async isDirectory(hostPath: string): Promise<boolean> {
    try {
      return (await fs.stat(this.resolve(hostPath))).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * The host path a path leads to once every symlink is followed, or undefined when it does not
   * exist. Absolute link targets are taken relative to the root (as inside a chroot), so a tree
   * mounted at /host or a recorded fixture never resolves into this machine's own /dev or /sys.
   */
  async realPath(hostPath: string): Promise<string | undefined> {
    if (this.root === '/') {
      try {
        return await fs.realpath(hostPath);
      } catch {
        return undefined;
      }
    }
    return resolveInsideRoot(this.root, hostPath);
  }
}

const MAX_SYMLINK_HOPS = 40;
export const CHUNK_BYTES = 64 * 1024;

/**
 * Follows symlinks component by component, keeping every step inside `root` (as a chroot would).
 * Synchronous: it walks sysfs, procfs and fixture trees, where every call completes at once.
 */
export function resolveInsideRoot(root: string, hostPath: string): string | undefined {
  const pending = hostPath.split('/').filter(Boolean);
  let current = '/';
  let hops = 0;
  try {
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
  } catch {
    return undefined;
  }
  return current;
}
