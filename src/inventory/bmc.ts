import type { CollectorContext } from './context.js';
import { ipBytes } from './network/ip-address.js';

export const DEFAULT_BMC_V4 = '0.0.0.0';
export const DEFAULT_BMC_V6 = '::/0';
/** IPMI system interface channels upstream walks; LAN channels are numbered within this range. */
const CHANNELS = Array.from({ length: 12 }, (_, i) => i + 1);
const IPMITOOL_TIMEOUT_MS = 15_000;
/** Where the kernel's IPMI driver puts its device node, depending on udev rules. */
const IPMI_DEVICES = ['/dev/ipmi0', '/dev/ipmi/0', '/dev/ipmidev/0'];

export interface BmcAddresses {
  v4: string;
  v6: string;
}

/**
 * The BMC's LAN addresses through ipmitool. Without an IPMI device node ipmitool can only fail, so
 * it is not started at all: on a machine without a BMC that saves 24 failing probes.
 */
export async function collectBmcAddresses(ctx: CollectorContext): Promise<BmcAddresses> {
  if (!(await hasIpmiDevice(ctx))) {
    ctx.log.debug('bmc: no IPMI device node, not probing with ipmitool');
    return { v4: DEFAULT_BMC_V4, v6: DEFAULT_BMC_V6 };
  }
  const [v4, v6] = await Promise.all([bmcIPv4(ctx), bmcIPv6(ctx)]);
  return { v4, v6 };
}

/** Whether the kernel's IPMI driver has a device node: without one, ipmitool can only fail. */
export async function hasIpmiDevice(ctx: CollectorContext): Promise<boolean> {
  const present = await Promise.all(IPMI_DEVICES.map((dev) => ctx.hostFs.exists(dev)));
  return present.includes(true);
}

/** The first channel, in order, whose `lan print` shows a usable IPv4 address. */
async function bmcIPv4(ctx: CollectorContext): Promise<string> {
  for (const channel of CHANNELS) {
    const result = await ctx.tools.runOptional('ipmitool', ['lan', 'print', String(channel)], IPMITOOL_TIMEOUT_MS);
    if (result.exitCode !== 0 || result.stderr.startsWith('Invalid channel')) continue;
    const address = parseLanPrintAddress(result.stdout);
    if (address !== undefined) return address;
  }
  return DEFAULT_BMC_V4;
}

/** The "IP Address" of `ipmitool lan print`, when it is an IPv4 address other than 0.0.0.0. */
export function parseLanPrintAddress(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const match = /^IP Address\s*:\s*(\S*)\s*$/.exec(line);
    if (match && ipBytes(match[1] ?? '')?.length === 4 && match[1] !== '0.0.0.0') return match[1];
  }
  return undefined;
}

/** The first channel with IPv6 addressing enabled and an active dynamic (preferred) or static address. */
async function bmcIPv6(ctx: CollectorContext): Promise<string> {
  for (const channel of CHANNELS) {
    const enables = await ctx.tools.runOptional('ipmitool', ['lan6', 'print', String(channel), 'enables'], IPMITOOL_TIMEOUT_MS);
    if (enables.exitCode !== 0 || !/IPv6\/IPv4 Addressing Enables:\s*(both|ipv6)/.test(enables.stdout)) continue;
    for (const kind of ['dynamic_addr', 'static_addr'] as const) {
      const result = await ctx.tools.runOptional('ipmitool', ['lan6', 'print', String(channel), kind], IPMITOOL_TIMEOUT_MS);
      if (result.exitCode !== 0) continue;
      const address = pickLan6Address(parseLan6Sections(result.stdout), kind);
      if (address !== undefined) return address;
    }
  }
  return DEFAULT_BMC_V6;
}

/**
 * `ipmitool lan6 print N dynamic_addr|static_addr` prints one block per address slot:
 *
 *   IPv6 Dynamic Address 0:
 *       Source/Type:    SLAAC
 *       Address:        2001:db8::5/64
 *       Status:         active
 *
 * Upstream reads that as YAML; this reads the same two-level shape.
 */
export function parseLan6Sections(text: string): Record<string, string>[] {
  const sections: Record<string, string>[] = [];
  let current: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      current = {};
      sections.push(current);
      continue;
    }
    const match = /^\s+([^:]+?):\s*(.*?)\s*$/.exec(line);
    if (match && current) current[match[1] as string] = match[2] as string;
  }
  return sections;
}

const YAML_FALSE = new Set(['', 'no', 'n', 'false', 'off']);

export function pickLan6Address(sections: Record<string, string>[], kind: 'dynamic_addr' | 'static_addr'): string | undefined {
  for (const section of sections) {
    if (section.Status !== 'active') continue;
    const enabled =
      kind === 'dynamic_addr'
        ? ['DHCPv6', 'SLAAC'].includes(section['Source/Type'] ?? '')
        : !YAML_FALSE.has((section.Enabled ?? '').toLowerCase());
    if (!enabled) continue;
    const ip = (section.Address ?? '').split('/')[0] ?? '';
    if (ip === '' || ip === '::' || ipBytes(ip)?.length !== 16) continue;
    return ip;
  }
  return undefined;
}
