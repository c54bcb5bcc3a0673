/**
 * The connectivity check proper: for each remote host, every remote address is pinged once and
 * probed at L2 and for MTU from every outgoing NIC, all at once; hosts run concurrently up to a bound
 * so that checking twenty hosts takes about as long as checking one.
 */
import { checkArping } from './arping.js';
import { mapBounded } from './bounded.js';
import type { ConnectivityCheckHost, ConnectivityRemoteHost, ConnectivityReport, L2Connectivity, L3Connectivity, MtuReport } from './connectivity-model.js';
import { checkMtu } from './mtu.js';
import { checkNmapIpv6 } from './nmap-ipv6.js';
import type { OutgoingNic } from './outgoing-nics.js';
import { checkL3 } from './ping.js';
import type { ProbeRunner } from './probe-runner.js';

/** Each host starts a few processes per address and NIC; more hosts at once would just queue on the CPU. */
export const MAX_CONCURRENT_HOSTS = 10;

export interface CheckEnvironment {
  run: ProbeRunner;
  nics: readonly OutgoingNic[];
  /** A checker that failed in a way worth knowing (unparsable output); the other results still count. */
  onError(error: Error, what: string): void;
}

/** A remote address as the service sends it; a /prefix, if any, is not part of the address. */
export function bareAddress(ip: string): string {
  return ip.split('/')[0] ?? ip;
}

export async function checkConnectivity(hosts: readonly ConnectivityCheckHost[], env: CheckEnvironment): Promise<ConnectivityReport> {
  const remoteHosts = await mapBounded(hosts, MAX_CONCURRENT_HOSTS, (host) => checkHost(host, env));
  return { remote_hosts: nilIfEmpty(remoteHosts.sort((a, b) => compare(a.host_id, b.host_id))) };
}

async function checkHost(host: ConnectivityCheckHost, env: CheckEnvironment): Promise<ConnectivityRemoteHost> {
  const remoteMacs = host.nics.map((nic) => nic.mac.toLowerCase());
  const l2: L2Connectivity[] = [];
  const l3: L3Connectivity[] = [];
  const mtu: MtuReport[] = [];
  const guard = async <T>(what: string, check: Promise<T>, keep: (value: T) => void): Promise<void> => {
    try {
      keep(await check);
    } catch (err) {
      env.onError(err as Error, what);
    }
  };
  const checks: Promise<void>[] = [];
  for (const remoteIp of host.nics.flatMap((nic) => nic.ip_addresses.map(bareAddress))) {
    checks.push(guard(`ping ${remoteIp}`, checkL3(env.run, remoteIp), (entry) => l3.push(entry)));
    for (const nic of env.nics) {
      checks.push(guard(`arping ${remoteIp} on ${nic.name}`, checkArping(env.run, nic, remoteIp, remoteMacs), (entries) => l2.push(...(entries ?? []))));
      checks.push(guard(`nmap ${remoteIp} on ${nic.name}`, checkNmapIpv6(env.run, nic, remoteIp, remoteMacs), (entry) => entry && l2.push(entry)));
      checks.push(guard(`MTU ${remoteIp} on ${nic.name}`, checkMtu(env.run, nic, remoteIp), (entry) => entry && mtu.push(entry)));
    }
  }
  await Promise.all(checks);
  return assembleRemoteHost(host.host_id, l2, l3, mtu);
}

/**
 * Upstream's order: L2 by remote address then MAC, L3 and MTU by remote address. Ties (one address
 * seen from several NICs) are broken by NIC name so that the same network gives the same report.
 * Identical L2 entries (one address listed on two remote NICs) are kept once.
 */
export function assembleRemoteHost(hostId: string, l2: L2Connectivity[], l3: L3Connectivity[], mtu: MtuReport[]): ConnectivityRemoteHost {
  const seen = new Set<string>();
  const uniqueL2 = l2.filter((entry) => {
    const key = JSON.stringify([entry.remote_ip_address, entry.remote_mac, entry.outgoing_nic, entry.outgoing_ip_address, entry.successful]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const byIpThenNic = (a: { remote_ip_address: string; outgoing_nic?: string }, b: { remote_ip_address: string; outgoing_nic?: string }): number =>
    compare(a.remote_ip_address, b.remote_ip_address) || compare(a.outgoing_nic ?? '', b.outgoing_nic ?? '');
  uniqueL2.sort((a, b) => compare(a.remote_ip_address + (a.remote_mac ?? ''), b.remote_ip_address + (b.remote_mac ?? '')) || byIpThenNic(a, b));
  return {
    host_id: hostId,
    l2_connectivity: nilIfEmpty(uniqueL2),
    l3_connectivity: nilIfEmpty([...l3].sort(byIpThenNic)),
    mtu_report: nilIfEmpty([...mtu].sort(byIpThenNic)),
  };
}

/** Dry-run hosts share one machine and one network: every remote address is declared reachable, nothing runs. */
export function fakeConnectivity(hosts: readonly ConnectivityCheckHost[]): ConnectivityReport {
  const remoteHosts = hosts.map((host) => {
    const l2: L2Connectivity[] = [];
    const l3: L3Connectivity[] = [];
    for (const nic of host.nics) {
      for (const remoteIp of nic.ip_addresses.map(bareAddress)) {
        l2.push({ remote_ip_address: remoteIp, remote_mac: nic.mac.toLowerCase(), successful: true });
        l3.push({ remote_ip_address: remoteIp, successful: true });
      }
    }
    return assembleRemoteHost(host.host_id, l2, l3, []);
  });
  return { remote_hosts: nilIfEmpty(remoteHosts.sort((a, b) => compare(a.host_id, b.host_id))) };
}

// Byte order, as Go compares strings.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nilIfEmpty<T>(items: T[]): T[] | null {
  return items.length === 0 ? null : items;
}
