/**
 * `inband hosts find`: which host is on that switch port, has that MAC, address or serial. Pure
 * matching over the hosts' inventories, so it is tested without a service.
 */
import { isIP } from 'node:net';
import type { FleetHost } from './inventory-view.js';

export type HostQuery = { switch: string; port?: string } | { mac: string } | { ip: string } | { serial: string };

export interface HostMatch {
  host: FleetHost;
  /** What matched, for a person: "ens1f0 → leaf-r12 Ethernet1/7", "disk nvme0n1 serial …". */
  where: string;
}

/** MACs compare by their 12 hex digits: 3C:FD:FE:00:00:07, 3c-fd-fe-00-00-07 and 3cfd.fe00.0007 are one. */
export function normalizeMac(mac: string): string | undefined {
  const hex = mac.toLowerCase().replace(/[:.\-]/g, '');
  return /^[0-9a-f]{12}$/.test(hex) ? hex : undefined;
}

/** Addresses compare in canonical form: IPv6 compressed and lower-cased, IPv4 as is. */
export function normalizeIp(address: string): string | undefined {
  const bare = address.trim().replace(/\/\d+$/, '').replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return bare;
  if (family === 6) return new URL(`http://[${bare}]/`).hostname.replace(/^\[|\]$/g, '');
  return undefined;
}

const same = (a: string, b: string): boolean => a !== '' && a.toLowerCase() === b.toLowerCase();

/** A switch named by its LLDP system name, or by its chassis ID (a MAC, in any notation). */
function isSwitch(query: string, systemName: string, chassisId: string): boolean {
  if (same(systemName, query)) return true;
  const mac = normalizeMac(query);
  return mac !== undefined ? normalizeMac(chassisId) === mac : same(chassisId, query);
}

export function describeQuery(query: HostQuery): string {
  if ('switch' in query) return `switch ${query.switch}${query.port ? ` port ${query.port}` : ''}`;
  if ('mac' in query) return `MAC ${query.mac}`;
  if ('ip' in query) return `address ${query.ip}`;
  return `serial ${query.serial}`;
}

/** Checks the query's own syntax, so a typo is said as such rather than "no host found". */
export function queryProblem(query: HostQuery): string | undefined {
  if ('mac' in query && normalizeMac(query.mac) === undefined) return `--mac ${JSON.stringify(query.mac)} is not a MAC address (e.g. 3c:fd:fe:00:00:07)`;
  if ('ip' in query && normalizeIp(query.ip) === undefined) return `--ip ${JSON.stringify(query.ip)} is not an IPv4 or IPv6 address`;
  if ('switch' in query && query.switch.trim() === '') return '--switch needs a name';
  if ('serial' in query && query.serial.trim() === '') return '--serial needs a serial number';
  return undefined;
}

export function findHosts(hosts: FleetHost[], query: HostQuery): HostMatch[] {
  const matches: HostMatch[] = [];
  for (const host of hosts) {
    const inv = host.inventory;
    if (!inv) continue;
    const where: string[] = [];
    if ('switch' in query) {
      for (const nic of inv.nics) {
        for (const n of nic.neighbours) {
          if (!isSwitch(query.switch, n.systemName, n.chassisId)) continue;
          if (query.port !== undefined && !same(n.portId, query.port) && !same(n.portDescription, query.port)) continue;
          where.push(`${nic.name} → ${n.systemName || n.chassisId} ${n.portId}`);
        }
      }
    } else if ('mac' in query) {
      const mac = normalizeMac(query.mac);
      for (const nic of inv.nics) if (mac !== undefined && normalizeMac(nic.mac) === mac) where.push(`${nic.name} ${nic.mac}`);
    } else if ('ip' in query) {
      const ip = normalizeIp(query.ip);
      for (const nic of inv.nics) for (const a of nic.addresses) if (ip !== undefined && normalizeIp(a) === ip) where.push(`${nic.name} ${a}`);
      if (ip !== undefined && normalizeIp(inv.bmcAddress) === ip) where.push(`BMC ${inv.bmcAddress}`);
    } else {
      const serial = query.serial.trim();
      if (same(inv.serial, serial)) where.push(`system serial ${inv.serial}`);
      for (const d of inv.disks) if (same(d.serial, serial)) where.push(`disk ${d.name} serial ${d.serial}`);
      for (const m of inv.modules) if (same(m.serial, serial)) where.push(`memory ${m.locator} serial ${m.serial}`);
    }
    if (where.length > 0) matches.push({ host, where: where.join('; ') });
  }
  return matches;
}
