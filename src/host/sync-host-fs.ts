import { accessSync, closeSync, openSync, readFileSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { CHUNK_BYTES, HostFs, resolveInsideRoot } from './host-fs.js';

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

  override async readChunks(hostPath: string, onChunk: (chunk: Buffer) => void, chunkBytes = CHUNK_BYTES): Promise<boolean> {
    let fd;
    try {
      fd = openSync(this.resolve(hostPath), 'r');
    } catch {
      return false;
    }
    try {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      for (let bytesRead = readSync(fd, buffer, 0, chunkBytes, null); bytesRead > 0; bytesRead = readSync(fd, buffer, 0, chunkBytes, null)) {
        onChunk(buffer.subarray(0, bytesRead));
      }
      return true;
    } catch {
      return false;
    } finally {
      closeSync(fd);
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
      return resolveInsideRoot(this.root, hostPath);
    } catch {
      return undefined;
    }
  }
}
