import type { CollectorContext } from '../context.js';
import type { PciDevice } from '../extensions.js';
import { readPciIdsNames, type PciIdsNames } from '../pci-ids.js';

const PCI_DEVICES = '/sys/bus/pci/devices';
/** Domain:bus:device.function as sysfs names a PCI function. */
const PCI_ADDRESS_RE = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** What sysfs says about one PCI function, before names are looked up. */
export interface PciFunction {
  address: string;
  classId: string;
  vendorId: string;
  deviceId: string;
  subsystemVendorId: string;
  subsystemDeviceId: string;
  driver: string;
  iommuGroup?: number;
  numaNode?: number;
  sriovTotalVfs?: number;
  sriovNumVfs?: number;
  physicalFunction?: string;
}

/**
 * Every PCI function of the host, read once per collection: the PCI section, and the NUMA node
 * lookups of NICs, disks and GPUs, all share it.
 */
export function sharedPciFunctions(ctx: CollectorContext): Promise<Map<string, PciFunction>> {
  return ctx.shared('pci functions', async () => {
    const addresses = (await ctx.hostFs.list(PCI_DEVICES)).filter((name) => PCI_ADDRESS_RE.test(name));
    const functions = await Promise.all(addresses.map((address) => readPciFunction(ctx, address)));
    return new Map(functions.filter((f): f is PciFunction => f !== undefined).map((f) => [f.address, f]));
  });
}

/**
 * The pci.ids names of every PCI function of the host, looked up in one pass over the database per
 * collection (the PCI section and the GPU names share it); undefined without a database.
 */
export function sharedPciNames(ctx: CollectorContext): Promise<PciIdsNames | undefined> {
  return ctx.shared('pci.ids names', async () => {
    const functions = [...(await sharedPciFunctions(ctx)).values()];
    if (functions.length === 0) return undefined;
    return readPciIdsNames(ctx, {
      vendors: functions.map((f) => f.vendorId),
      devices: functions.map((f) => f.vendorId + f.deviceId),
      classes: functions.map((f) => f.classId),
    });
  });
}

/** The pci_devices section: every function, in address order, with pci.ids names. */
export async function collectPciDevices(ctx: CollectorContext): Promise<PciDevice[]> {
  const functions = [...(await sharedPciFunctions(ctx)).values()];
  if (functions.length === 0) return [];
  const db = await sharedPciNames(ctx);
  return functions.map((f): PciDevice => {
    const names = db?.lookup(f.vendorId, f.deviceId);
    const className = db?.className(f.classId);
    return {
      address: f.address,
      class_id: f.classId,
      class_name: className ?? '',
      vendor_id: f.vendorId,
      vendor_name: names?.vendor ?? '',
      device_id: f.deviceId,
      device_name: names?.device ?? '',
      subsystem_vendor_id: f.subsystemVendorId,
      subsystem_device_id: f.subsystemDeviceId,
      driver: f.driver,
      iommu_group: f.iommuGroup,
      numa_node: f.numaNode,
      sriov_total_vfs: f.sriovTotalVfs,
      sriov_num_vfs: f.sriovNumVfs,
      physical_function: f.physicalFunction,
    };
  });
}

async function readPciFunction(ctx: CollectorContext, address: string): Promise<PciFunction | undefined> {
  const dir = `${PCI_DEVICES}/${address}`;
  const [klass, vendor, device, subVendor, subDevice, driver, iommuGroup, numaNode, totalVfs, numVfs, physfn] = await Promise.all([
    ctx.hostFs.readTrimmed(`${dir}/class`),
    ctx.hostFs.readTrimmed(`${dir}/vendor`),
    ctx.hostFs.readTrimmed(`${dir}/device`),
    ctx.hostFs.readTrimmed(`${dir}/subsystem_vendor`),
    ctx.hostFs.readTrimmed(`${dir}/subsystem_device`),
    ctx.hostFs.realPath(`${dir}/driver`),
    ctx.hostFs.realPath(`${dir}/iommu_group`),
    ctx.hostFs.readTrimmed(`${dir}/numa_node`),
    ctx.hostFs.readTrimmed(`${dir}/sriov_totalvfs`),
    ctx.hostFs.readTrimmed(`${dir}/sriov_numvfs`),
    ctx.hostFs.realPath(`${dir}/physfn`),
  ]);
  if (klass === undefined || vendor === undefined || device === undefined) return undefined;
  return {
    address,
    classId: hex(klass, 6).slice(0, 4),
    vendorId: hex(vendor, 4),
    deviceId: hex(device, 4),
    subsystemVendorId: subVendor === undefined ? '' : hex(subVendor, 4),
    subsystemDeviceId: subDevice === undefined ? '' : hex(subDevice, 4),
    driver: driver === undefined ? '' : basename(driver),
    iommuGroup: iommuGroup === undefined ? undefined : count(basename(iommuGroup)),
    numaNode: numaNodeValue(numaNode),
    sriovTotalVfs: totalVfs === undefined ? undefined : count(totalVfs),
    sriovNumVfs: numVfs === undefined ? undefined : count(numVfs),
    physicalFunction: physfn === undefined ? undefined : basename(physfn),
  };
}

/** sysfs's numa_node: -1 means the device has no affinity, which is reported as absent. */
export function numaNodeValue(text: string | undefined): number | undefined {
  return count(text ?? '');
}

/**
 * The PCI function a sysfs device path belongs to: the last PCI address among its components
 * (/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/nvme/nvme0 → 0000:3b:00.0), undefined for a
 * virtual or platform device.
 */
export function owningPciAddress(sysPath: string | undefined): string | undefined {
  if (sysPath === undefined) return undefined;
  const parts = sysPath.split('/');
  for (let i = parts.length - 1; i >= 0; i--) if (PCI_ADDRESS_RE.test(parts[i] as string)) return parts[i];
  return undefined;
}

/** The NUMA node of the PCI function behind a sysfs path, from the shared table (its own numa_node file otherwise). */
export async function numaNodeOfPath(ctx: CollectorContext, sysPath: string | undefined): Promise<number | undefined> {
  const address = owningPciAddress(sysPath);
  if (address === undefined) return undefined;
  const known = (await sharedPciFunctions(ctx)).get(address);
  if (known) return known.numaNode;
  return numaNodeValue(await ctx.hostFs.readTrimmed(`${PCI_DEVICES}/${address}/numa_node`));
}

function hex(text: string, digits: number): string {
  return text.replace(/^0x/i, '').toLowerCase().padStart(digits, '0');
}

/** A non-negative decimal integer, else undefined (-1, garbage). */
function count(text: string): number | undefined {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
