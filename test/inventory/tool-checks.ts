/**
 * A host's inventory against what the system's own tools say about the same host, section by
 * section: lsblk for disks, ip for links, addresses and routes, lscpu and nproc for the CPU,
 * /proc/meminfo for memory, uname for the host name. Used live (real-host.test.ts: the tools run
 * now) and on recordings (recorded-hosts.test.ts: the tools ran when the host was recorded).
 * The rules that turn a tool's answer into an inventory field are upstream's
 * (openshift/assisted-installer-agent's src/inventory); nothing here asks the collectors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { WireInventory } from './support.js';

export interface LsblkDevice {
  name: string;
  type: string;
  size: number | null;
  rm: boolean;
  rota: boolean;
  model: string | null;
  serial: string | null;
  vendor: string | null;
  wwn: string | null;
  hctl: string | null;
}

export interface IpLinkJson {
  ifname: string;
  flags: string[];
  mtu: number;
  operstate?: string;
  address?: string;
  permaddr?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_slave_data?: { perm_hwaddr?: string } };
}

export interface IpAddrJson {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

export interface IpRouteJson {
  dst: string;
  dev?: string;
  gateway?: string;
  metric?: number;
  protocol?: string;
  nexthops?: { dev?: string; gateway?: string }[];
}

/** The tools' answers for one host; `sysAttr` reads a sysfs attribute of that host (undefined if absent). */
export interface ToolOutputs {
  lsblk: { blockdevices: LsblkDevice[] };
  ipLink: IpLinkJson[];
  ipAddr: IpAddrJson[];
  route4: IpRouteJson[];
  route6: IpRouteJson[];
  lscpu: { lscpu: { field: string; data: string }[] };
  nproc: number;
  meminfo: string;
  unameNode: string;
  sysAttr: (path: string) => string | undefined;
}

/** The tool outputs test/fixtures/record-hosts.ts saved beside a recording (<dir>/tools, <dir>/tree). */
export function recordedToolOutputs(dir: string): ToolOutputs {
  const text = (name: string): string => readFileSync(path.join(dir, 'tools', name), 'utf8');
  const json = <T>(name: string): T => JSON.parse(text(name)) as T;
  return {
    lsblk: json('lsblk.json'),
    ipLink: json('ip-link.json'),
    ipAddr: json('ip-addr.json'),
    route4: json('ip-route4.json'),
    route6: json('ip-route6.json'),
    lscpu: json('lscpu.json'),
    nproc: Number(text('nproc').trim()),
    meminfo: text('meminfo'),
    unameNode: text('uname-n'),
    sysAttr: (sysPath) => {
      try {
        return readFileSync(path.join(dir, 'tree', sysPath), 'utf8').trim();
      } catch {
        return undefined;
      }
    },
  };
}

/** Every check of this file, on one host. */
export function checkAll(wire: WireInventory, tools: ToolOutputs): void {
  checkCpu(wire, tools);
  checkMemory(wire, tools);
  checkDisks(wire, tools);
  checkInterfaces(wire, tools);
  checkRoutes(wire, tools);
  checkHostname(wire, tools);
}

const list = (wire: WireInventory, section: string): WireInventory[] => wire[section] as WireInventory[];

export function checkCpu(wire: WireInventory, tools: ToolOutputs): void {
  const fields = new Map(tools.lscpu.lscpu.map(({ field, data }) => [field.replace(/:$/, ''), data]));
  expect(wire.cpu.count, 'cpu.count vs nproc').toBe(tools.nproc);
  expect(wire.cpu.count, 'cpu.count vs lscpu CPU(s)').toBe(Number(fields.get('CPU(s)')));
  expect(wire.cpu.architecture, 'cpu.architecture').toBe(fields.get('Architecture'));
  expect(wire.cpu.model_name, 'cpu.model_name').toBe(fields.get('Model name') ?? fields.get('Machine type'));
  expect(wire.cpu.flags, 'cpu.flags').toEqual((fields.get('Flags') ?? '').split(' ').filter(Boolean));
  const mhz = ['CPU MHz', 'CPU max MHz', 'CPU static MHz'].map((f) => Number.parseFloat(fields.get(f) ?? '')).filter(Number.isFinite);
  expect(wire.cpu.frequency, 'cpu.frequency: the largest MHz lscpu reports').toBe(mhz.length > 0 ? Math.max(...mhz) : undefined);
}

export function checkMemory(wire: WireInventory, tools: ToolOutputs): void {
  const memTotalKiB = Number(/^MemTotal:\s+(\d+) kB$/m.exec(tools.meminfo)?.[1]);
  expect(wire.memory.usable_bytes, 'memory.usable_bytes: MemTotal in bytes').toBe(memTotalKiB * 1024);
  expect(['dmidecode', 'ghw', 'meminfo']).toContain(wire.memory.physical_bytes_method);
  expect(wire.memory.physical_bytes).toBeGreaterThanOrEqual(wire.memory.usable_bytes);
}

/** Every whole disk lsblk lists, less the kinds upstream leaves out, with lsblk's size, flags and IDs. */
export function checkDisks(wire: WireInventory, tools: ToolOutputs): void {
  const shown = tools.lsblk.blockdevices
    .filter((d) => !/^(loop|zram)/.test(d.name) && tools.sysAttr(`/sys/block/${d.name}/hidden`) !== '1')
    .filter((d) => !d.name.startsWith('dm-') || /^(mpath-|LVM-)/.test(tools.sysAttr(`/sys/block/${d.name}/dm/uuid`) ?? ''))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const disks = list(wire, 'disks');
  expect(disks.map((d) => d.name).sort(), 'disk names').toEqual(shown.map((d) => d.name));
  for (const device of shown) {
    const disk = disks.find((d) => d.name === device.name) as WireInventory;
    const where = `disks[${device.name}]`;
    expect(disk.size_bytes, `${where}.size_bytes`).toBe(device.size || undefined);
    expect(disk.removable, `${where}.removable`).toBe(device.rm || undefined);
    expect(disk.path, `${where}.path`).toBe(`/dev/${device.name}`);
    expect(disk.vendor, `${where}.vendor`).toBe(device.vendor?.trim() || undefined);
    if (device.serial) expect(disk.serial, `${where}.serial`).toBe(device.serial);
    if (device.hctl) expect(disk.hctl, `${where}.hctl`).toBe(device.hctl);
    if (device.wwn) expect(disk.wwn, `${where}.wwn`).toBe(device.wwn);
    // lsblk decodes udev's ID_MODEL_ENC (spaces); the inventory has ID_MODEL (underscores).
    if (device.model) expect(disk.model?.replaceAll('_', ' '), `${where}.model`).toBe(device.model.trim().replace(/\s+/g, ' '));
    if (/^(sd|vd|hd|xvd)/.test(device.name)) expect(disk.drive_type, `${where}.drive_type from lsblk ROTA`).toBe(device.rota ? 'HDD' : 'SSD');
    if (device.name.startsWith('sr')) expect(disk.drive_type, `${where}.drive_type`).toBe('ODD');
    expect(disk.id, `${where}.id`).toBeTruthy();
  }
}

/** Go's net.Flags names; the kernel sets IFF_RUNNING (which ip does not print) for an up link whose operstate is UP or UNKNOWN. */
function goFlags(link: IpLinkJson): string[] {
  const names: [string, string][] = [
    ['UP', 'up'],
    ['BROADCAST', 'broadcast'],
    ['LOOPBACK', 'loopback'],
    ['POINTOPOINT', 'pointtopoint'],
    ['MULTICAST', 'multicast'],
  ];
  const flags = names.filter(([ip]) => link.flags.includes(ip)).map(([, go]) => go);
  if (link.flags.includes('UP') && ['UP', 'UNKNOWN'].includes(link.operstate ?? '')) flags.push('running');
  return flags;
}

const realMac = (mac: string | undefined): string | undefined => (mac && !/^(00:)+00$/.test(mac) ? mac.toLowerCase() : undefined);

/** The links ip lists, in its order, each with ip's MTU, MAC, flags, kind, carrier and addresses. */
export function checkInterfaces(wire: WireInventory, tools: ToolOutputs): void {
  const interfaces = list(wire, 'interfaces');
  expect(interfaces.map((i) => i.name), 'interface names, in ip order').toEqual(tools.ipLink.map((l) => l.ifname));
  for (const link of tools.ipLink) {
    const nic = interfaces.find((i) => i.name === link.ifname) as WireInventory;
    const where = `interfaces[${link.ifname}]`;
    expect(nic.mtu, `${where}.mtu`).toBe(link.mtu);
    const bondSlave = link.linkinfo?.info_slave_kind === 'bond';
    const mac = bondSlave ? realMac(link.permaddr) ?? realMac(link.linkinfo?.info_slave_data?.perm_hwaddr) : realMac(link.address);
    expect(nic.mac_address, `${where}.mac_address`).toBe(mac);
    expect(nic.flags, `${where}.flags`).toEqual(goFlags(link));
    // The kernel's LOWER_UP is the carrier that sysfs reports.
    expect(nic.has_carrier, `${where}.has_carrier vs LOWER_UP`).toBe(link.flags.includes('LOWER_UP') || undefined);
    const kind = link.linkinfo?.info_kind;
    if (kind) expect(nic.type, `${where}.type`).toBe(kind === 'tun' ? 'tuntap' : kind);
    else expect(nic.type, `${where}.type`).toBe(link.flags.includes('LOOPBACK') ? 'device' : 'physical');
    const addrs = tools.ipAddr.find((a) => a.ifname === link.ifname)?.addr_info ?? [];
    const cidrs = (family: string, linkLocal: RegExp) => addrs.filter((a) => a.family === family && !linkLocal.test(a.local)).map((a) => `${a.local}/${a.prefixlen}`);
    expect(nic.ipv4_addresses, `${where}.ipv4_addresses`).toEqual(cidrs('inet', /^169\.254\./));
    // No router advertisements on these hosts, so no prefix is widened: ip's prefix lengths stand.
    expect(nic.ipv6_addresses, `${where}.ipv6_addresses`).toEqual(cidrs('inet6', /^fe[89ab]/i));
  }
}

/** Every main-table route ip lists that has a link, in ip's order, IPv4 first. */
export function checkRoutes(wire: WireInventory, tools: ToolOutputs): void {
  const expected = ([
    [2, tools.route4],
    [10, tools.route6],
  ] as const).flatMap(([family, routes]) =>
    routes
      .filter((r) => r.dev || r.nexthops)
      .map((r) => {
        const hop = r.nexthops?.[0] ?? r;
        const destination = r.dst === 'default' ? (family === 2 ? '0.0.0.0' : '::') : r.dst.split('/')[0];
        return Object.fromEntries(
          Object.entries({ destination, family, gateway: hop.gateway, interface: hop.dev, metric: r.metric || undefined }).filter(([, v]) => v !== undefined),
        );
      }),
  );
  expect(wire.routes, 'routes').toEqual(expected);
}

export function checkHostname(wire: WireInventory, tools: ToolOutputs): void {
  const name = tools.unameNode.trim();
  if (!/^localhost/.test(name)) expect(wire.hostname).toBe(name);
  else expect(wire.hostname).not.toMatch(/^localhost/);
}
