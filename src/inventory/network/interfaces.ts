import type { CollectorContext } from '../context.js';
import type { Interface } from '../model.js';
import { isLinkLocalUnicast, prefixContains } from './ip-address.js';
import { ipLinks, ipRoutes, type IpLink, type IpRoute } from './ip-json.js';
import { goInterfaceFlags, ipFlagsFromSysfs } from './link-flags.js';
import { normaliseMac, readInterfaceMac } from './mac-address.js';

const NET = '/sys/class/net';

/**
 * One entry per link, loopback and virtual ones included, in kernel (ifindex) order: addresses and
 * link details from `ip`, carrier, speed and PCI IDs from sysfs. When `ip` fails, the links are
 * listed from sysfs alone, without addresses.
 */
export async function collectInterfaces(ctx: CollectorContext): Promise<Interface[]> {
  const [links, routes6] = await Promise.all([ipLinks(ctx), ipRoutes(ctx, 6)]);
  const source = links ?? (await linksFromSysfs(ctx));
  const raRoutes = (routes6 ?? []).filter((route) => route.protocol === 'ra' && route.dst !== undefined && route.dst !== 'default');
  return Promise.all(source.map((link) => describeInterface(ctx, link, raRoutes)));
}

async function describeInterface(ctx: CollectorContext, link: IpLink, raRoutes: IpRoute[]): Promise<Interface> {
  const name = link.ifname;
  const dir = `${NET}/${name}`;
  const [realPath, carrier, speed, vendor, product, biosdevname, mac] = await Promise.all([
    ctx.hostFs.realPath(dir),
    ctx.hostFs.readTrimmed(`${dir}/carrier`),
    ctx.hostFs.readTrimmed(`${dir}/speed`),
    ctx.hostFs.readTrimmed(`${dir}/device/vendor`),
    ctx.hostFs.readTrimmed(`${dir}/device/device`),
    biosDeviceName(ctx, name),
    macAddress(ctx, link),
  ]);
  const addresses = link.addr_info ?? [];
  const cidrs = (family: string): string[] =>
    addresses
      .filter((a) => a.family === family && a.local !== undefined && !isLinkLocalUnicast(a.local))
      .map((a) => `${a.local}/${family === 'inet6' ? raPrefixLength(a.local as string, name, raRoutes) ?? a.prefixlen : a.prefixlen}`);
  const speedMbps = Number.parseInt(speed ?? '', 10);
  return {
    biosdevname,
    client_id: '',
    flags: goInterfaceFlags(link.flags ?? [], link.operstate),
    has_carrier: carrier === '1',
    ipv4_addresses: cidrs('inet'),
    ipv6_addresses: cidrs('inet6'),
    mac_address: mac,
    mtu: link.mtu ?? 0,
    name,
    product: product ?? '',
    speed_mbps: Number.isFinite(speedMbps) ? speedMbps : 0,
    type: realPath !== undefined && !realPath.includes('/virtual/') ? 'physical' : linkType(link),
    vendor: vendor ?? '',
  };
}

/** The type name Go's netlink library gives a link kind; a link without a kind (lo) is a plain "device". */
export function linkType(link: IpLink): string {
  const kind = link.linkinfo?.info_kind;
  if (!kind) return 'device';
  return kind === 'tun' ? 'tuntap' : kind;
}

/**
 * A bond slave is reported by its permanent MAC: the kernel's permanent address, else the one the
 * bonding driver saved when it enslaved the NIC. Everything else by its current MAC.
 */
async function macAddress(ctx: CollectorContext, link: IpLink): Promise<string> {
  if (link.linkinfo?.info_slave_kind === 'bond') {
    const permanent = normaliseMac(link.permaddr) || normaliseMac(link.linkinfo.info_slave_data?.perm_hwaddr);
    if (permanent) return permanent;
    return readInterfaceMac(ctx.hostFs, link.ifname);
  }
  return normaliseMac(link.address);
}

/**
 * A DHCPv6 address comes as a /128; the prefix the router advertised for the link (a route of
 * protocol "ra" that contains the address) is the one that describes its subnet.
 */
function raPrefixLength(address: string, linkName: string, raRoutes: IpRoute[]): number | undefined {
  for (const route of raRoutes) {
    if (route.dev !== linkName) continue;
    const [network = '', length] = (route.dst as string).split('/');
    const prefix = Number(length ?? 128);
    if (prefixContains(network, prefix, address)) return prefix;
  }
  return undefined;
}

/** `biosdevname -i <nic>`: the firmware's name for the NIC (em1, p1p2), "" where there is none. */
async function biosDeviceName(ctx: CollectorContext, name: string): Promise<string> {
  const result = await ctx.tools.runOptional('biosdevname', ['-i', name], 5_000);
  return result.exitCode === 0 ? result.stdout.trim() : '';
}

/** The links as sysfs describes them, for when `ip` cannot run: no addresses, kind from the uevent. */
async function linksFromSysfs(ctx: CollectorContext): Promise<IpLink[]> {
  const names = await ctx.hostFs.list(NET);
  const links = await Promise.all(
    names.map(async (name): Promise<IpLink | undefined> => {
      const dir = `${NET}/${name}`;
      const [ifindex, flags, mtu, operstate, address, uevent] = await Promise.all([
        ctx.hostFs.readTrimmed(`${dir}/ifindex`),
        ctx.hostFs.readTrimmed(`${dir}/flags`),
        ctx.hostFs.readTrimmed(`${dir}/mtu`),
        ctx.hostFs.readTrimmed(`${dir}/operstate`),
        ctx.hostFs.readTrimmed(`${dir}/address`),
        ctx.hostFs.readText(`${dir}/uevent`),
      ]);
      // bonding_masters lives here too; only links have an ifindex.
      if (ifindex === undefined) return undefined;
      const devtype = /^DEVTYPE=(.*)$/m.exec(uevent ?? '')?.[1];
      const bondSlave = await ctx.hostFs.isDirectory(`${dir}/bonding_slave`);
      return {
        ifindex: Number(ifindex),
        ifname: name,
        flags: ipFlagsFromSysfs(flags ?? ''),
        mtu: Number(mtu ?? 0),
        operstate: (operstate ?? '').toUpperCase(),
        address,
        linkinfo: { info_kind: devtype, info_slave_kind: bondSlave ? 'bond' : undefined },
        addr_info: [],
      };
    }),
  );
  return links.filter((link): link is IpLink => link !== undefined).sort((a, b) => a.ifindex - b.ifindex);
}
