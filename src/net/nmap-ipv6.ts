/**
 * L2 reachability over IPv6: neighbour discovery through `nmap -6 -sn -n -oX - -e <nic> <ip>`. The
 * report is read with the shared nmap XML reader (nmap-xml.ts) that the address sweeps use too.
 */
import type { L2Connectivity } from './connectivity-model.js';
import { parseNmapXml, type NmapHost } from './nmap-xml.js';
import { isIpv4, type OutgoingNic } from './outgoing-nics.js';
import type { ProbeRunner } from './probe-runner.js';

/** The first host that is up and shows a MAC answered; lower-cased. */
export function discoveredMac(hosts: readonly NmapHost[]): string | undefined {
  for (const host of hosts) {
    if (host.state !== 'up') continue;
    const mac = host.addresses.find((a) => a.addrtype === 'mac');
    if (mac) return mac.addr.toLowerCase();
  }
  return undefined;
}

export const NMAP_TIMEOUT_MS = 30_000;

/**
 * Undefined when it does not apply (IPv4 remote or a NIC without IPv6). Otherwise one entry: with
 * the answering MAC, or unsuccessful without one when nmap failed or nobody answered.
 */
export async function checkNmapIpv6(run: ProbeRunner, nic: OutgoingNic, remoteIp: string, remoteMacs: readonly string[]): Promise<L2Connectivity | undefined> {
  if (isIpv4(remoteIp) || nic.ipv6.length === 0) return undefined;
  const entry: L2Connectivity = { outgoing_nic: nic.name, remote_ip_address: remoteIp, successful: false };
  const result = await run('nmap', ['-6', '-sn', '-n', '-oX', '-', '-e', nic.name, remoteIp], NMAP_TIMEOUT_MS);
  if (result.exitCode !== 0) return entry;
  let mac: string | undefined;
  try {
    mac = discoveredMac(parseNmapXml(result.stdout));
  } catch {
    return entry;
  }
  if (mac === undefined) return entry;
  return { ...entry, remote_mac: mac, successful: remoteMacs.includes(mac) };
}
