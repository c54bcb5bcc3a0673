import type { CollectorContext } from '../context.js';
import type { InterfaceExtensions } from '../extensions.js';
import { numaNodeOfPath, owningPciAddress } from './pci-devices.js';

const NET = '/sys/class/net';
const ETHTOOL_TIMEOUT_MS = 5_000;

/**
 * Driver, driver version, firmware, PCI address and NUMA node of every NIC that sits on a bus
 * (has a `device` link), by interface name. Software links (bridges, bonds, VLANs, veth) have no
 * firmware and get nothing, which also keeps ethtool to one run per hardware NIC.
 */
export async function collectNicDetails(ctx: CollectorContext): Promise<Map<string, InterfaceExtensions>> {
  const names = await ctx.hostFs.list(NET);
  const details = await Promise.all(names.map((name) => nicDetails(ctx, name)));
  return new Map(names.flatMap((name, i) => (details[i] ? [[name, details[i]] as const] : [])));
}

async function nicDetails(ctx: CollectorContext, name: string): Promise<InterfaceExtensions | undefined> {
  const device = await ctx.hostFs.realPath(`${NET}/${name}/device`);
  if (device === undefined) return undefined;
  const [driverPath, numaNode, ethtool] = await Promise.all([
    ctx.hostFs.realPath(`${NET}/${name}/device/driver`),
    numaNodeOfPath(ctx, device),
    ethtoolInfo(ctx, name),
  ]);
  const driver = ethtool?.driver || (driverPath === undefined ? '' : driverPath.slice(driverPath.lastIndexOf('/') + 1));
  const version = ethtool?.version || (driver === '' ? '' : ((await ctx.hostFs.readTrimmed(`/sys/module/${driver}/version`)) ?? ''));
  const details: InterfaceExtensions = {};
  if (driver) details.driver = driver;
  if (version) details.driver_version = version;
  if (ethtool?.firmwareVersion) details.firmware_version = ethtool.firmwareVersion;
  const pciAddress = owningPciAddress(device);
  if (pciAddress) details.pci_address = pciAddress;
  if (numaNode !== undefined) details.numa_node = numaNode;
  return details;
}

export interface EthtoolDriverInfo {
  driver: string;
  version: string;
  firmwareVersion: string;
  busInfo: string;
}

async function ethtoolInfo(ctx: CollectorContext, name: string): Promise<EthtoolDriverInfo | undefined> {
  // A link may legally be named "-h"; as ethtool's first argument that would be an option.
  if (name.startsWith('-')) return undefined;
  const result = await ctx.tools.runOptional('ethtool', ['-i', name], ETHTOOL_TIMEOUT_MS);
  return result.exitCode === 0 ? parseEthtoolDriverInfo(result.stdout) : undefined;
}

/**
 * `ethtool -i IF` (ETHTOOL_GDRVINFO) prints "driver: ice", "version: 1.11.14", "firmware-version:
 * 4.20 0x80017785 1.3346.0", "expansion-rom-version:", "bus-info: 0000:3b:00.0", then the
 * supports-* lines. A firmware of "N/A" (virtual and USB NICs) is no firmware.
 */
export function parseEthtoolDriverInfo(text: string): EthtoolDriverInfo {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const value = (key: string): string => {
    const v = fields.get(key) ?? '';
    return v === 'N/A' ? '' : v;
  };
  return { driver: value('driver'), version: value('version'), firmwareVersion: value('firmware-version'), busInfo: value('bus-info') };
}
