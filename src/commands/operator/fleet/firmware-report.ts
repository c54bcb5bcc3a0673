/**
 * `inband hosts firmware`: every component's firmware version across hosts, grouped by component
 * and model, with the versions that differ from the most common one of their model marked, so
 * the one outdated NIC in a rack stands out.
 */
import { hostLabel, type FleetHost, type InventoryView } from './inventory-view.js';

export const FIRMWARE_COMPONENTS = ['bios', 'bmc', 'cpu', 'nic', 'disk', 'gpu'] as const;
export type FirmwareComponent = (typeof FIRMWARE_COMPONENTS)[number];

interface FirmwareItem {
  component: FirmwareComponent;
  model: string;
  version: string;
  /** Which one on the host: NIC or disk name, GPU address; empty for one per host. */
  where: string;
}

export interface VersionGroup {
  version: string;
  /** Components with this version (a host with two such NICs counts twice). */
  count: number;
  /** The model's most common version; every other one differs from it. */
  most_common: boolean;
  hosts: { id: string; hostname: string; where: string[] }[];
}

export interface ModelGroup {
  component: FirmwareComponent;
  model: string;
  most_common_version: string;
  versions: VersionGroup[];
}

const naturally = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });

function systemModel(inv: InventoryView): string {
  return [inv.manufacturer, inv.product].filter(Boolean).join(' ') || '(unknown model)';
}

/** The firmware-bearing components of one host. Components that report no version are left out. */
export function firmwareItems(inv: InventoryView): FirmwareItem[] {
  const items: FirmwareItem[] = [];
  if (inv.bios?.version) items.push({ component: 'bios', model: systemModel(inv), version: inv.bios.version, where: '' });
  if (inv.bmc?.version) items.push({ component: 'bmc', model: systemModel(inv), version: inv.bmc.version, where: '' });
  if (inv.microcode) items.push({ component: 'cpu', model: inv.cpuModel || '(unknown model)', version: inv.microcode, where: '' });
  const pciByAddress = new Map(inv.pciDevices.map((p) => [p.address, p]));
  for (const nic of inv.nics) {
    if (!nic.firmware) continue;
    const pci = pciByAddress.get(nic.pciAddress);
    const name = pci && (pci.vendorName || pci.deviceName) ? [pci.vendorName, pci.deviceName].filter(Boolean).join(' ') : [nic.vendorId, nic.productId].filter(Boolean).join(':');
    items.push({ component: 'nic', model: `${name || '(unknown model)'}${nic.driver ? ` (${nic.driver})` : ''}`, version: nic.firmware, where: nic.name });
  }
  for (const disk of inv.disks) if (disk.firmware) items.push({ component: 'disk', model: disk.model || '(unknown model)', version: disk.firmware, where: disk.name });
  for (const gpu of inv.gpus) if (gpu.vbios) items.push({ component: 'gpu', model: gpu.name || '(unknown model)', version: gpu.vbios, where: gpu.address });
  return items;
}

/**
 * Groups by component and model. The most common version of a model is the one most of its
 * components run; on a tie, the highest version (in natural order: 9.10 after 9.9), taking that
 * an upgrade went half-way rather than a downgrade.
 */
export function firmwareReport(hosts: FleetHost[], component?: FirmwareComponent): ModelGroup[] {
  const models = new Map<string, { component: FirmwareComponent; model: string; versions: Map<string, { count: number; hosts: Map<string, { id: string; hostname: string; where: string[] }> }> }>();
  for (const host of hosts) {
    if (!host.inventory) continue;
    for (const item of firmwareItems(host.inventory)) {
      if (component && item.component !== component) continue;
      const key = `${item.component}\u0000${item.model}`;
      let model = models.get(key);
      if (!model) models.set(key, (model = { component: item.component, model: item.model, versions: new Map() }));
      let version = model.versions.get(item.version);
      if (!version) model.versions.set(item.version, (version = { count: 0, hosts: new Map() }));
      version.count += 1;
      let entry = version.hosts.get(host.id);
      if (!entry) version.hosts.set(host.id, (entry = { id: host.id, hostname: hostLabel(host), where: [] }));
      if (item.where) entry.where.push(item.where);
    }
  }
  const groups: ModelGroup[] = [...models.values()].map((model) => {
    const versions = [...model.versions.entries()].map(([version, v]) => ({ version, count: v.count, hosts: [...v.hosts.values()].sort((a, b) => naturally(a.hostname, b.hostname)) }));
    versions.sort((a, b) => b.count - a.count || naturally(b.version, a.version));
    const common = versions[0]?.version ?? '';
    return {
      component: model.component,
      model: model.model,
      most_common_version: common,
      versions: versions.map((v) => ({ ...v, most_common: v.version === common })),
    };
  });
  const order = (c: FirmwareComponent): number => FIRMWARE_COMPONENTS.indexOf(c);
  return groups.sort((a, b) => order(a.component) - order(b.component) || naturally(a.model, b.model));
}

/** Rows for the text table: one per model and version, the differing ones said so. */
export function firmwareRows(groups: ModelGroup[], hostsShown = 5): string[][] {
  return groups.flatMap((g) => {
    const total = g.versions.reduce((n, v) => n + v.count, 0);
    return g.versions.map((v) => {
      const names = v.hosts.map((h) => h.hostname);
      const hostsCell = names.length > hostsShown ? `${names.slice(0, hostsShown).join(', ')} +${names.length - hostsShown} more` : names.join(', ');
      const note = g.versions.length === 1 ? 'all the same' : v.most_common ? `most common (${v.count} of ${total})` : `DIFFERS from ${g.most_common_version} (${v.count} of ${total})`;
      return [g.component, g.model, v.version, String(v.count), note, hostsCell];
    });
  });
}
