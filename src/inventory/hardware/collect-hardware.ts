import type { CollectorContext } from '../context.js';
import type { DiskExtensions, Firmware, InterfaceExtensions, MemoryExtensions, Numa, PciDevice } from '../extensions.js';
import type { Inventory } from '../model.js';
import { collectDiskDetails } from './disk-details.js';
import { collectFirmware } from './firmware.js';
import { gpuDetails } from './gpu-details.js';
import { collectMemoryModules } from './memory-modules.js';
import { collectNicDetails } from './nic-details.js';
import { collectNuma } from './numa.js';
import { collectPciDevices } from './pci-devices.js';

/** The inventory's extension sections, collected beside upstream's and merged in afterwards. */
export interface HardwareDetails {
  numa?: Numa;
  pciDevices: PciDevice[];
  firmware?: Firmware;
  memory: MemoryExtensions;
  nics: Map<string, InterfaceExtensions>;
  disks: Map<string, DiskExtensions>;
}

export interface HardwareOptions {
  /** False in dry-run mode, where hundreds of agents share one machine and its one BMC. */
  probeBmc: boolean;
}

/**
 * Every part runs at once and on its own: one that fails is logged and left out, the others and
 * upstream's sections are unaffected. Keyed by interface and disk name so that it can run in
 * parallel with the collectors of those sections rather than after them.
 */
export async function collectHardwareDetails(ctx: CollectorContext, options: HardwareOptions): Promise<HardwareDetails> {
  const part = async <T>(name: string, collect: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await collect();
    } catch (err) {
      ctx.log.error(`inventory: collecting ${name} failed; leaving it out`, { error: err instanceof Error ? err.message : String(err) });
      return fallback;
    }
  };
  const [numa, pciDevices, firmware, memory, nics, disks] = await Promise.all([
    part('numa', () => collectNuma(ctx), undefined),
    part('pci_devices', () => collectPciDevices(ctx), []),
    part('firmware', () => collectFirmware(ctx, options), undefined),
    part('memory modules', () => collectMemoryModules(ctx), {}),
    part('interface details', () => collectNicDetails(ctx), new Map()),
    part('disk details', () => collectDiskDetails(ctx), new Map()),
  ]);
  return { numa, pciDevices, firmware, memory, nics, disks };
}

export function emptyHardwareDetails(): HardwareDetails {
  return { pciDevices: [], memory: {}, nics: new Map(), disks: new Map() };
}

/** Merges the details into the inventory's own entries; GPUs are looked up now that they are known. */
export async function applyHardwareDetails(ctx: CollectorContext, inventory: Inventory, details: HardwareDetails): Promise<void> {
  if (details.numa) inventory.numa = details.numa;
  if (details.pciDevices.length > 0) inventory.pci_devices = details.pciDevices;
  if (details.firmware) inventory.firmware = details.firmware;
  Object.assign(inventory.memory, details.memory);
  for (const nic of inventory.interfaces) Object.assign(nic, details.nics.get(nic.name));
  for (const disk of inventory.disks) Object.assign(disk, details.disks.get(disk.name));
  try {
    const gpus = await Promise.all(inventory.gpus.map((gpu) => gpuDetails(ctx, gpu.address)));
    inventory.gpus.forEach((gpu, i) => Object.assign(gpu, gpus[i]));
  } catch (err) {
    ctx.log.error('inventory: collecting GPU details failed; leaving them out', { error: err instanceof Error ? err.message : String(err) });
  }
}
