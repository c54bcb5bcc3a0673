import { open } from 'node:fs/promises';
import type { CommandRunner } from '../host/command-runner.js';
import type { HostFs } from '../host/host-fs.js';

/** The reply exit code that tells the service the boot media went away (upstream MGMT-4966). */
export const MEDIA_DISCONNECTED_EXIT_CODE = 256;
const ISO_MOUNT = '/run/media/iso';

/**
 * On hosts booted from a full ISO (virtual media through a BMC), a step that fails may really be a
 * detached ISO. Returns the diagnosis, or undefined when the media is fine or the host did not boot
 * from one.
 */
export async function diagnoseMediaDisconnection(hostFs: HostFs, run: CommandRunner): Promise<string | undefined> {
  if (!(await hostFs.exists(ISO_MOUNT))) return undefined;
  const found = await run('findmnt', ['--raw', '--noheadings', '--output', 'SOURCE,TARGET', '--target', ISO_MOUNT], {
    timeoutMs: 10_000,
  });
  if (found.exitCode !== 0) {
    return `cannot access the media (ISO) - media was likely disconnected: ${found.stderr.trim() || `findmnt exit code ${found.exitCode}`}`;
  }
  const [source = '', target = ''] = found.stdout.trim().split(/\s+/);
  if (target !== ISO_MOUNT || !source.startsWith('/dev')) {
    return `cannot access the media (ISO) - media was likely disconnected: ${ISO_MOUNT} is not mounted from a device`;
  }
  try {
    const handle = await open(hostFs.resolve(source), 'r');
    try {
      await handle.read(Buffer.alloc(2), 0, 2, 0);
    } finally {
      await handle.close();
    }
  } catch (err) {
    return `cannot read from the media (ISO) - media was likely disconnected: ${(err as Error).message}`;
  }
  return undefined;
}
