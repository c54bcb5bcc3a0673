import os from 'node:os';
import type { CollectorContext } from './context.js';
import type { Interface } from './model.js';
import { isGlobalUnicast } from './network/ip-address.js';

/** Names that say nothing about which host this is; upstream replaces them. */
const LOCALHOST_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'localhost4',
  'localhost4.localdomain4',
  'localhost6',
  'localhost6.localdomain6',
]);
const NAMEABLE_TYPES = new Set(['physical', 'vlan', 'bond']);

/** The kernel's host name (the UTS name), read through the host root so that a fixture carries its own. */
export async function collectKernelHostname(ctx: CollectorContext): Promise<string> {
  const name = await ctx.hostFs.readTrimmed('/proc/sys/kernel/hostname');
  if (name !== undefined) return name;
  if (ctx.live) return os.hostname().trim();
  ctx.log.warn('hostname: /proc/sys/kernel/hostname is missing from the fixture');
  return '';
}

/**
 * A localhost name is replaced by the MAC address, dash-separated, of the first interface by name
 * that is physical, a VLAN or a bond, has a MAC and a global unicast address; other names stay.
 */
export function replaceLocalhostName(hostname: string, interfaces: readonly Interface[]): string {
  if (!LOCALHOST_NAMES.has(hostname)) return hostname;
  const candidate = [...interfaces]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .find(
      (nic) =>
        NAMEABLE_TYPES.has(nic.type) &&
        nic.mac_address !== '' &&
        [...nic.ipv4_addresses, ...nic.ipv6_addresses].some((cidr) => isGlobalUnicast(cidr.split('/')[0] ?? '')),
    );
  return candidate ? candidate.mac_address.toLowerCase().replace(/:/g, '-') : hostname;
}
