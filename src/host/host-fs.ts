import { promises as fs } from 'node:fs';
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
}
