import type { HostFs } from '../../host/host-fs.js';

/** Go reports an all-zero hardware address (lo's) as no address at all. */
export function normaliseMac(mac: string | undefined): string {
  const lower = (mac ?? '').trim().toLowerCase();
  return /^(00:)*00$/.test(lower) ? '' : lower;
}

/**
 * The MAC an interface is known by: for a bond slave the permanent one (a slave's current address
 * is the bond's, the same on every slave), otherwise the current one. This sysfs-only reading is
 * shared by the host ID, which cannot run `ip`, and by the interfaces collector when `ip` fails.
 */
export async function readInterfaceMac(hostFs: HostFs, name: string): Promise<string> {
  const [permanent, current] = await Promise.all([
    hostFs.readTrimmed(`/sys/class/net/${name}/bonding_slave/perm_hwaddr`),
    hostFs.readTrimmed(`/sys/class/net/${name}/address`),
  ]);
  return normaliseMac(permanent) || normaliseMac(current);
}
