/**
 * The local interfaces connectivity is checked from: the ones that carry ARP/ND to other machines
 * and have an address that leaves the link.
 */
import type { HostFs } from '../host/host-fs.js';
import type { IpLink } from '../inventory/network/ip-json.js';
import { isLinkLocalUnicast } from '../inventory/network/ip-address.js';
import type { ProbeRunner } from './probe-runner.js';

export interface Cidr {
  address: string;
  prefixLength: number;
}

export interface OutgoingNic {
  name: string;
  mtu: number;
  /** Without link-local addresses: those never identify the NIC to another host. */
  ipv4: Cidr[];
  ipv6: Cidr[];
}

/**
 * Upstream takes physical, bond and vlan links; veth and macvlan carry ARP/ND just the same and are
 * what containers and test topologies have, so they count too.
 */
export const OUTGOING_LINK_KINDS: ReadonlySet<string> = new Set(['bond', 'vlan', 'veth', 'macvlan']);

export function isIpv4(ip: string): boolean {
  return !ip.includes(':');
}

function addresses(link: IpLink, family: 'inet' | 'inet6'): Cidr[] {
  return (link.addr_info ?? [])
    .filter((a) => a.family === family && a.local !== undefined && !isLinkLocalUnicast(a.local))
    .map((a) => ({ address: a.local as string, prefixLength: a.prefixlen ?? 0 }));
}

/** `isPhysical(name)`: whether the link is backed by a device rather than made up by the kernel. */
export function selectOutgoingNics(links: readonly IpLink[], isPhysical: (name: string) => boolean): OutgoingNic[] {
  const nics: OutgoingNic[] = [];
  for (const link of links) {
    const kind = link.linkinfo?.info_kind;
    const eligible = kind ? OUTGOING_LINK_KINDS.has(kind) : isPhysical(link.ifname);
    if (!eligible) continue;
    const nic = { name: link.ifname, mtu: link.mtu ?? 0, ipv4: addresses(link, 'inet'), ipv6: addresses(link, 'inet6') };
    // Addressless NICs (BZ 2105358) would only produce failures that say nothing about the network.
    if (nic.ipv4.length + nic.ipv6.length > 0) nics.push(nic);
  }
  return nics;
}

export const IP_TIMEOUT_MS = 10_000;

/** Reads links with `ip -j -d addr show` (the -d adds the link kind); a sysfs device path tells physical ones. */
export async function listOutgoingNics(run: ProbeRunner, hostFs: HostFs): Promise<OutgoingNic[]> {
  const result = await run('ip', ['-j', '-d', 'addr', 'show'], IP_TIMEOUT_MS);
  if (result.exitCode !== 0) throw new Error(`failed to list the network interfaces: ip exited with ${result.exitCode}: ${result.stderr.trim()}`);
  let links: IpLink[];
  try {
    const parsed = JSON.parse(result.stdout) as unknown;
    if (!Array.isArray(parsed)) throw new Error('not a JSON array');
    links = parsed as IpLink[];
  } catch (err) {
    throw new Error(`failed to parse the output of ip -j -d addr show: ${(err as Error).message}`);
  }
  const unkinded = links.filter((link) => !link.linkinfo?.info_kind).map((link) => link.ifname);
  const physical = new Set<string>();
  await Promise.all(
    unkinded.map(async (name) => {
      const real = await hostFs.realPath(`/sys/class/net/${name}`);
      if (real !== undefined && !real.includes('/virtual/')) physical.add(name);
    }),
  );
  return selectOutgoingNics(links, (name) => physical.has(name));
}
