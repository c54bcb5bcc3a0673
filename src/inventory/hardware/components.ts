import { terminalSafe } from '../../util/terminal-safe.js';
import type { Component } from '../extensions.js';
import type { Inventory } from '../model.js';

/** Drive types that are a device in this host, not a view of one (RAID, LVM, multipath) or a remote LUN. */
const LOCAL_DRIVE_TYPES = new Set(['HDD', 'SSD', 'ODD', 'FDD']);
/**
 * PCI classes listed as components of their own when no NIC, GPU or disk row stands for them:
 * storage controllers, network controllers without a netdev, display controllers, accelerators.
 * Bridges and chipset functions are left out: every server has dozens and no one tracks them.
 */
const COMPONENT_PCI_CLASS = /^(01|02|03|12)/;
/** NVMe controllers: their namespace's disk row carries model, serial and firmware. */
const NVME_CLASS = '0108';

/**
 * The inventory as a vendor-neutral list of components (type, slot, vendor, model, serial,
 * firmware), the shape fleet databases such as Alloy's take: BIOS, BMC, CPU, DIMMs, local disks,
 * hardware NICs, GPUs, then other PCI controllers. Missing facts are "".
 */
export function inventoryComponents(inventory: Inventory): Component[] {
  const rows: Component[] = [];
  const { firmware } = inventory;
  if (firmware?.bios) rows.push(row('bios', '', firmware.bios.vendor, '', '', firmware.bios.version));
  if (firmware?.bmc) rows.push(row('bmc', '', firmware.bmc.manufacturer, '', '', firmware.bmc.firmware_version));
  if (inventory.cpu.model_name) rows.push(row('cpu', '', cpuVendor(inventory.cpu.model_name), inventory.cpu.model_name, '', firmware?.cpu_microcode ?? ''));
  for (const m of inventory.memory.modules ?? []) rows.push(row('memory', m.locator, m.manufacturer, m.part_number, m.serial_number, ''));
  for (const disk of inventory.disks) {
    if (LOCAL_DRIVE_TYPES.has(disk.drive_type)) rows.push(row('disk', disk.name, disk.vendor.trim(), disk.model, disk.serial, disk.firmware_version ?? ''));
  }
  const pci = new Map((inventory.pci_devices ?? []).map((d) => [d.address, d]));
  const listed = new Set<string>();
  for (const nic of inventory.interfaces) {
    if (nic.pci_address === undefined) continue;
    listed.add(nic.pci_address);
    const device = pci.get(nic.pci_address);
    rows.push(row('nic', nic.name, device?.vendor_name || nic.vendor, device?.device_name || nic.product, nic.mac_address, nic.firmware_version ?? ''));
  }
  for (const gpu of inventory.gpus) {
    listed.add(gpu.address);
    rows.push(row('gpu', gpu.address, gpu.vendor, gpu.name, '', gpu.vbios_version ?? ''));
  }
  for (const device of inventory.pci_devices ?? []) {
    if (listed.has(device.address) || device.physical_function !== undefined) continue;
    if (!COMPONENT_PCI_CLASS.test(device.class_id) || device.class_id === NVME_CLASS) continue;
    rows.push(row('pci', device.address, device.vendor_name || device.vendor_id, device.device_name || device.device_id, '', ''));
  }
  return rows;
}

function row(type: Component['type'], slot: string, vendor: string, model: string, serial: string, firmware: string): Component {
  return { type, slot, vendor, model, serial, firmware };
}

function cpuVendor(model: string): string {
  if (/\bIntel\b/i.test(model)) return 'Intel';
  if (/\bAMD\b/.test(model)) return 'AMD';
  return '';
}

/**
 * The components as an aligned text table, one row each, for people. Firmware strings are the
 * device's own and may hold control characters: they are shown escaped, as operator output is.
 */
export function componentsTable(components: Component[]): string {
  const keys = ['type', 'slot', 'vendor', 'model', 'serial', 'firmware'] as const;
  const rows = [keys.map((key) => key.toUpperCase()), ...components.map((c) => keys.map((key) => terminalSafe(c[key]) || '-'))];
  const widths = keys.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n') + '\n';
}
