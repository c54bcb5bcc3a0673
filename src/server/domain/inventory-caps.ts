/**
 * Oversized inventories are cut to INVENTORY_CAPS before they are decoded, and say so in upstream's
 * `truncation` field (type partial), as upstream's agent marks what it had to drop. Cutting the raw
 * lists first means decoding, eligibility and validations never see more than the caps, whatever
 * the agent sent.
 */
import { INVENTORY_CAPS } from '../limits.js';

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Cuts `holder[key]` to `cap` entries; returns a reason when it had to. */
function cut(holder: Raw, key: string, cap: number, label: string): string | undefined {
  const list = holder[key];
  if (!Array.isArray(list) || list.length <= cap) return undefined;
  holder[key] = list.slice(0, cap);
  return `${label}: ${list.length} reported, the first ${cap} kept`;
}

/** Applies the caps to a parsed inventory in place; returns the reasons, [] when nothing was cut. */
export function capInventoryLists(raw: unknown): string[] {
  if (!isRecord(raw)) return [];
  const reasons: (string | undefined)[] = [
    cut(raw, 'disks', INVENTORY_CAPS.disks, 'disks'),
    cut(raw, 'interfaces', INVENTORY_CAPS.interfaces, 'interfaces'),
    cut(raw, 'routes', INVENTORY_CAPS.routes, 'routes'),
    cut(raw, 'gpus', INVENTORY_CAPS.gpus, 'gpus'),
  ];
  if (isRecord(raw.cpu)) reasons.push(cut(raw.cpu, 'flags', INVENTORY_CAPS.cpuFlags, 'cpu flags'));
  reasons.push(cut(raw, 'pci_devices', INVENTORY_CAPS.pciDevices, 'pci devices'));
  if (isRecord(raw.memory)) reasons.push(cut(raw.memory, 'modules', INVENTORY_CAPS.memoryModules, 'memory modules'));
  const numaNodes = isRecord(raw.numa) ? raw.numa : undefined;
  if (numaNodes) reasons.push(cut(numaNodes, 'nodes', INVENTORY_CAPS.numaNodes, 'numa nodes'));
  // Nested lists: one reason per kind, not one per interface or disk.
  const nested = (items: unknown, key: string, cap: number, label: string, inner?: (item: Raw) => Raw | undefined) => {
    if (!Array.isArray(items)) return;
    let cutCount = 0;
    for (const item of items) {
      const holder = isRecord(item) ? (inner ? inner(item) : item) : undefined;
      if (holder && cut(holder, key, cap, label)) cutCount++;
    }
    if (cutCount > 0) reasons.push(`${label}: cut to ${cap} on ${cutCount} ${cutCount === 1 ? 'entry' : 'entries'}`);
  };
  nested(raw.interfaces, 'ipv4_addresses', INVENTORY_CAPS.addressesPerInterface, 'IPv4 addresses per interface');
  nested(raw.interfaces, 'ipv6_addresses', INVENTORY_CAPS.addressesPerInterface, 'IPv6 addresses per interface');
  nested(raw.interfaces, 'flags', INVENTORY_CAPS.cpuFlags, 'interface flags');
  nested(raw.interfaces, 'lldp', INVENTORY_CAPS.lldpNeighborsPerInterface, 'lldp neighbours per interface');
  const neighbours = Array.isArray(raw.interfaces) ? raw.interfaces.flatMap((nic) => (isRecord(nic) && Array.isArray(nic.lldp) ? nic.lldp : [])) : [];
  nested(neighbours, 'vlans', INVENTORY_CAPS.vlansPerNeighbor, 'vlans per lldp neighbour');
  nested(neighbours, 'management_addresses', INVENTORY_CAPS.managementAddressesPerNeighbor, 'management addresses per lldp neighbour');
  nested(numaNodes?.nodes, 'cpus', INVENTORY_CAPS.cpusPerNumaNode, 'cpus per numa node');
  nested(numaNodes?.nodes, 'distances', INVENTORY_CAPS.numaNodes, 'distances per numa node');
  nested(raw.disks, 'not_eligible_reasons', INVENTORY_CAPS.reasonsPerDisk, 'ineligibility reasons per disk', (disk) =>
    isRecord(disk.installation_eligibility) ? disk.installation_eligibility : undefined,
  );
  if (isRecord(raw.truncation)) reasons.push(cut(raw.truncation, 'reasons', INVENTORY_CAPS.truncationReasons, 'truncation reasons'));
  return reasons.filter((reason): reason is string => reason !== undefined);
}

/** The truncation an inventory ends with: the agent's own, with the service's cuts added. */
export function withServiceTruncation<T extends { truncation?: { type?: string; reasons?: string[] } }>(inventory: T, cuts: string[]): T {
  if (cuts.length === 0) return inventory;
  const agent = inventory.truncation;
  return {
    ...inventory,
    // An agent's "full" stays full: the service cutting lists does not give back what it dropped.
    truncation: { type: agent?.type === 'full' ? 'full' : 'partial', reasons: [...(agent?.reasons ?? []), ...cuts.map((cutReason) => `service: ${cutReason}`)] },
  };
}
