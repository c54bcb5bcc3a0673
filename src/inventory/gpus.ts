import type { CollectorContext } from './context.js';
import { DEFAULT_GPU_CONFIG, type GpuMatchConfig } from './gpu-config.js';
import type { Gpu } from './model.js';
import { sharedPciNames } from './hardware/pci-devices.js';

const PCI_DEVICES = '/sys/bus/pci/devices';
/** ghw's name for an ID the database lacks. */
const UNKNOWN = 'unknown';

interface PciDevice {
  address: string;
  classId: string;
  vendorId: string;
  deviceId: string;
}

/** PCI devices whose class, class+vendor or class+vendor+device is configured as a GPU. */
export async function collectGpus(ctx: CollectorContext, config: GpuMatchConfig = DEFAULT_GPU_CONFIG): Promise<Gpu[]> {
  const addresses = await ctx.hostFs.list(PCI_DEVICES);
  const devices = await Promise.all(addresses.map((address) => readPciDevice(ctx, address, config)));
  const gpus = devices.filter((d): d is PciDevice => d !== undefined && matchesGpuConfig(d, config));
  if (gpus.length === 0) return [];
  const db = await sharedPciNames(ctx);
  return gpus.map((device): Gpu => {
    const names = db?.lookup(device.vendorId, device.deviceId);
    return {
      address: device.address,
      device_id: device.deviceId,
      name: names === undefined ? '' : (names.device ?? UNKNOWN),
      vendor: names === undefined ? '' : (names.vendor ?? UNKNOWN),
      vendor_id: device.vendorId,
    };
  });
}

export function matchesGpuConfig(device: Omit<PciDevice, 'address'>, config: GpuMatchConfig): boolean {
  return (
    config.classes.includes(device.classId) ||
    config.vendors.includes(device.classId + device.vendorId) ||
    config.models.includes(device.classId + device.vendorId + device.deviceId)
  );
}

/** The device's IDs as 4-digit lower-case hex; vendor and device are read only when the class can match. */
async function readPciDevice(ctx: CollectorContext, address: string, config: GpuMatchConfig): Promise<PciDevice | undefined> {
  const dir = `${PCI_DEVICES}/${address}`;
  const classHex = await ctx.hostFs.readTrimmed(`${dir}/class`);
  if (classHex === undefined) return undefined;
  const classId = hex4(classHex.replace(/^0x/i, '').padStart(6, '0').slice(0, 4));
  const candidate =
    config.classes.includes(classId) ||
    config.vendors.some((id) => id.startsWith(classId)) ||
    config.models.some((id) => id.startsWith(classId));
  if (!candidate) return undefined;
  const [vendor, device] = await Promise.all([ctx.hostFs.readTrimmed(`${dir}/vendor`), ctx.hostFs.readTrimmed(`${dir}/device`)]);
  if (vendor === undefined || device === undefined) return undefined;
  return { address, classId, vendorId: hex4(vendor), deviceId: hex4(device) };
}

function hex4(text: string): string {
  return text.replace(/^0x/i, '').toLowerCase().padStart(4, '0');
}
