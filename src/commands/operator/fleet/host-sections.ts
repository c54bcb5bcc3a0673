/**
 * The sections `inband hosts show` adds from inband's inventory extensions: switch neighbours,
 * NUMA, PCI devices, memory modules and firmware. Tables only (renderTable makes every cell
 * terminal-safe); a section the inventory has nothing for is left out.
 */
import { renderTable } from '../table.js';
import { firmwareItems } from './firmware-report.js';
import type { InventoryView } from './inventory-view.js';

const GIB = 1024 ** 3;
const opt = (n: number | undefined): string => (n === undefined ? '-' : String(n));

/** 0,1,2,3,8,9 → "0-3,8-9": a 128-CPU node in one short cell. */
export function cpuRanges(cpus: number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i] as number;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i] as number;
    parts.push(start === end ? String(start) : `${start}-${end}`);
  }
  return parts.join(',') || '-';
}

export function hostSections(inv: InventoryView): string[] {
  const sections: string[] = [];
  const neighbours = inv.nics.flatMap((nic) =>
    nic.neighbours.map((n) => [
      nic.name,
      n.systemName || '-',
      n.chassisId || '-',
      n.portId || '-',
      n.portDescription || '-',
      n.nativeVlan === undefined ? '-' : String(n.nativeVlan),
      n.managementAddresses.join(' ') || '-',
      n.seenAt || '-',
    ]),
  );
  if (neighbours.length > 0) sections.push(renderTable(['INTERFACE', 'SWITCH', 'CHASSIS', 'PORT', 'PORT DESCRIPTION', 'VLAN', 'MGMT ADDRESS', 'SEEN'], neighbours));

  if (inv.numaNodes.length > 0) {
    const local = (node: number | undefined): string =>
      [
        ...inv.nics.filter((n) => n.numaNode === node).map((n) => n.name),
        ...inv.disks.filter((d) => d.numaNode === node).map((d) => d.name),
        ...inv.gpus.filter((g) => g.numaNode === node).map((g) => `gpu ${g.address}`),
      ].join(' ') || '-';
    sections.push(
      renderTable(
        ['NUMA NODE', 'CPUS', 'MEMORY', 'DISTANCES', 'DEVICES'],
        inv.numaNodes.map((n) => [opt(n.id), cpuRanges(n.cpus), n.memoryBytes === undefined ? '-' : `${(n.memoryBytes / GIB).toFixed(1)} GiB`, n.distances.join(' ') || '-', local(n.id)]),
      ),
    );
  }

  if (inv.pciDevices.length > 0) {
    sections.push(
      renderTable(
        ['PCI ADDRESS', 'CLASS', 'VENDOR', 'DEVICE', 'DRIVER', 'NUMA', 'IOMMU', 'SR-IOV VFS'],
        inv.pciDevices.map((p) => [
          p.address || '-',
          p.className || '-',
          p.vendorName || p.vendorId || '-',
          p.deviceName || p.deviceId || '-',
          p.driver || '-',
          opt(p.numaNode),
          opt(p.iommuGroup),
          p.sriovTotalVfs === undefined ? '-' : `${opt(p.sriovNumVfs)}/${p.sriovTotalVfs}`,
        ]),
      ),
    );
  }

  if (inv.modules.length > 0) {
    const populated = inv.moduleSlots === undefined ? `${inv.modules.length} modules` : `${inv.modules.length} of ${inv.moduleSlots} slots populated`;
    sections.push(
      `${populated}\n${renderTable(
        ['SLOT', 'BANK', 'SIZE', 'TYPE', 'SPEED', 'MANUFACTURER', 'PART', 'SERIAL'],
        inv.modules.map((m) => [
          m.locator || '-',
          m.bankLocator || '-',
          m.sizeBytes === undefined ? '-' : `${(m.sizeBytes / GIB).toFixed(0)} GiB`,
          m.type || '-',
          m.speedMts === undefined ? '-' : `${m.speedMts} MT/s`,
          m.manufacturer || '-',
          m.partNumber || '-',
          m.serial || '-',
        ]),
      )}`,
    );
  }

  const firmware = firmwareItems(inv);
  const drivers = inv.nics.filter((n) => n.driver && !n.firmware).map((n) => ['nic', n.name, n.driver, '-', n.driverVersion || '-']);
  if (firmware.length + drivers.length > 0) {
    const driverOf = new Map(inv.nics.map((n) => [n.name, n]));
    sections.push(
      renderTable(
        ['FIRMWARE', 'WHERE', 'MODEL', 'VERSION', 'DRIVER VERSION'],
        [
          ...firmware.map((f) => [f.component, f.where || '-', f.model, f.version, (f.component === 'nic' && driverOf.get(f.where)?.driverVersion) || '-']),
          ...drivers.map(([c, where, driver, version, driverVersion]) => [c as string, where as string, `(${driver})`, version as string, driverVersion as string]),
        ],
      ),
    );
  }
  return sections;
}
