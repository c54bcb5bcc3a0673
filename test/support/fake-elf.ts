import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** e_machine numbers of the architectures the service names. */
export const ELF_MACHINE = { x86_64: 62, aarch64: 183 } as const;

/**
 * A file with a 64-bit little-endian ELF header and `size` bytes after it: enough for the service
 * to take it for an agent binary of that architecture, small enough for unit tests to hash and
 * compress in milliseconds. The tail repeats, so gzip has something to do.
 */
export function writeFakeElf(dir: string, name: string, arch: keyof typeof ELF_MACHINE = 'x86_64', size = 256 * 1024): string {
  const header = Buffer.alloc(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  header.writeUInt16LE(2, 16);
  header.writeUInt16LE(ELF_MACHINE[arch], 18);
  const block = randomBytes(4096);
  const body = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += block.length) block.copy(body, offset);
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.concat([header, body]), { mode: 0o755 });
  return file;
}
