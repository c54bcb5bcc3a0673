/**
 * Go's net.Flags names, in the order Go prints them ("up|broadcast|loopback|pointtopoint|multicast|running").
 * iproute2 hides IFF_RUNNING, which the kernel derives from the admin and operational state: a link
 * is running when it is up and its operstate is up or unknown (as lo's always is).
 */
export function goInterfaceFlags(ipFlags: readonly string[], operstate: string | undefined): string[] {
  const has = (name: string): boolean => ipFlags.includes(name);
  const flags: string[] = [];
  if (has('UP')) flags.push('up');
  if (has('BROADCAST')) flags.push('broadcast');
  if (has('LOOPBACK')) flags.push('loopback');
  if (has('POINTOPOINT')) flags.push('pointtopoint');
  if (has('MULTICAST')) flags.push('multicast');
  if (has('UP') && (operstate === 'UP' || operstate === 'UNKNOWN')) flags.push('running');
  return flags;
}

/** The IFF_* bits of /sys/class/net/<n>/flags, named as iproute2 names them. */
const IFF_BITS: [number, string][] = [
  [0x1, 'UP'],
  [0x2, 'BROADCAST'],
  [0x8, 'LOOPBACK'],
  [0x10, 'POINTOPOINT'],
  [0x1000, 'MULTICAST'],
];

export function ipFlagsFromSysfs(hexFlags: string): string[] {
  const value = Number.parseInt(hexFlags, 16);
  if (!Number.isFinite(value)) return [];
  return IFF_BITS.filter(([bit]) => (value & bit) !== 0).map(([, name]) => name);
}
