import type { CollectorContext } from './context.js';
import type { Boot, SecureBootState } from './model.js';
import { hostMounts } from './mounts.js';

export const SECURE_BOOT_EFIVAR = '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c';

export async function collectBoot(ctx: CollectorContext): Promise<Boot> {
  const [isUefi, cmdline, secureBoot, deviceType] = await Promise.all([
    ctx.hostFs.isDirectory('/sys/firmware/efi'),
    ctx.hostFs.readText('/proc/cmdline'),
    secureBootState(ctx),
    bootDeviceType(ctx),
  ]);
  if (cmdline === undefined) ctx.log.warn('boot: /proc/cmdline is unreadable');
  return {
    command_line: cmdline ?? '',
    current_boot_mode: isUefi ? 'uefi' : 'bios',
    device_type: deviceType,
    pxe_interface: bootInterface(cmdline ?? ''),
    secure_boot_state: secureBoot,
  };
}

/** The value of BOOTIF= (set by PXELINUX/iPXE to the MAC the host booted from), as given. */
export function bootInterface(cmdline: string): string {
  const match = /(?:^|\s)BOOTIF=(\S*)/.exec(cmdline);
  return match?.[1] ?? '';
}

/** An efivar is 4 attribute bytes followed by the value: one byte, 0 or 1, for SecureBoot. */
export function decodeSecureBoot(efivar: Buffer): SecureBootState {
  if (efivar.length !== 5) return 'Unknown';
  if (efivar[4] === 0) return 'Disabled';
  if (efivar[4] === 1) return 'Enabled';
  return 'Unknown';
}

async function secureBootState(ctx: CollectorContext): Promise<SecureBootState> {
  const efivar = await ctx.hostFs.readBytes(SECURE_BOOT_EFIVAR);
  if (efivar !== undefined) return decodeSecureBoot(efivar);
  return (await ctx.hostFs.exists(SECURE_BOOT_EFIVAR)) ? 'Unknown' : 'NotSupported';
}

/**
 * "ephemeral" when /sysroot comes from a loop device (the live ISO's squashfs), "persistent" when
 * from anything else, "" when nothing is mounted there. Upstream asks findmnt for /sysroot's
 * source; the host's mount table gives the same answer without a process.
 */
async function bootDeviceType(ctx: CollectorContext): Promise<Boot['device_type']> {
  const mounts = await hostMounts(ctx);
  const sysroot = mounts.filter((m) => m.target === '/sysroot').at(-1);
  if (!sysroot) return '';
  return sysroot.source.startsWith('/dev/loop') ? 'ephemeral' : 'persistent';
}
