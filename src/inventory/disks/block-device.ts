import type { HostFs } from '../../host/host-fs.js';
import type { MountEntry } from '../mounts.js';
import { firstProperty, readUdevProperties } from './udev-db.js';

const SYS_BLOCK = '/sys/block';

export interface Partition {
  name: string;
  /** GPT partition name (udev ID_PART_ENTRY_NAME). */
  label: string;
  mountpoint: string;
}

/** What sysfs and udev say about one block device, before any inventory rule is applied. */
export interface BlockDevice {
  name: string;
  /** Where /sys/block/<name> leads, e.g. /sys/devices/platform/host3/session1/…/block/sdc. */
  sysPath: string;
  sizeBytes: number;
  removable: boolean;
  rotational: boolean;
  /** udev ID_PATH, the bus path; "" when unknown. */
  busPath: string;
  model: string;
  serial: string;
  wwn: string;
  vendor: string;
  hctl: string;
  holders: string[];
  dmUuid: string;
  dmName: string;
  partitions: Partition[];
}

/**
 * Whether the inventory lists a device at all: hidden devices (NVMe multipath's per-path nodes),
 * loop and zram devices and device-mapper targets other than multipath and LVM are left out.
 */
export function isListedBlockDevice(device: Pick<BlockDevice, 'name' | 'dmUuid'>, hidden: boolean): boolean {
  if (hidden || isSkippedByName(device.name)) return false;
  if (device.name.startsWith('dm-')) return device.dmUuid.startsWith('mpath-') || device.dmUuid.startsWith('LVM-');
  return true;
}

/** Loop and zram devices: never listed, whatever sysfs says about them. */
export function isSkippedByName(name: string): boolean {
  return name.startsWith('loop') || name.startsWith('zram');
}

/** Kernel names of every entry of /sys/block. */
export function listBlockDeviceNames(hostFs: HostFs): Promise<string[]> {
  return hostFs.list(SYS_BLOCK);
}

/** Reads a block device; undefined when the inventory does not list it (see isListedBlockDevice) unless asked to. */
export async function readBlockDevice(
  hostFs: HostFs,
  name: string,
  mounts: readonly MountEntry[],
  options: { evenIfUnlisted?: boolean } = {},
): Promise<BlockDevice | undefined> {
  // Loop and zram devices are dropped by name, before anything is read for them.
  if (!options.evenIfUnlisted && isSkippedByName(name)) return undefined;
  const dir = `${SYS_BLOCK}/${name}`;
  const isDm = name.startsWith('dm-');
  const [hidden, dmUuid, dmName] = await Promise.all([
    hostFs.readTrimmed(`${dir}/hidden`),
    isDm ? hostFs.readTrimmed(`${dir}/dm/uuid`) : undefined,
    isDm ? hostFs.readTrimmed(`${dir}/dm/name`) : undefined,
  ]);
  if (!options.evenIfUnlisted && !isListedBlockDevice({ name, dmUuid: dmUuid ?? '' }, hidden === '1')) return undefined;

  const [sysPath, majorMinor, size, removable, rotational, vendor, scsiDevices, holders, entries] = await Promise.all([
    hostFs.realPath(dir),
    hostFs.readTrimmed(`${dir}/dev`),
    hostFs.readTrimmed(`${dir}/size`),
    hostFs.readTrimmed(`${dir}/removable`),
    hostFs.readTrimmed(`${dir}/queue/rotational`),
    hostFs.readTrimmed(`${dir}/device/vendor`),
    hostFs.list(`${dir}/device/scsi_device`),
    hostFs.list(`${dir}/holders`),
    hostFs.list(dir),
  ]);
  const [udev, partitions] = await Promise.all([
    readUdevProperties(hostFs, majorMinor),
    readPartitions(hostFs, name, entries, mounts),
  ]);
  const sectors = Number.parseInt(size ?? '', 10);
  return {
    name,
    sysPath: sysPath ?? dir,
    sizeBytes: Number.isFinite(sectors) ? sectors * 512 : 0,
    removable: removable === '1',
    rotational: rotational === '1',
    busPath: firstProperty(udev, 'ID_PATH'),
    model: firstProperty(udev, 'ID_MODEL'),
    serial: firstProperty(udev, 'ID_SCSI_SERIAL', 'ID_SERIAL_SHORT', 'ID_SERIAL'),
    wwn: firstProperty(udev, 'ID_WWN_WITH_EXTENSION', 'ID_WWN', 'DM_WWN'),
    vendor: vendor ?? '',
    hctl: scsiDevices[0] ?? '',
    holders,
    dmUuid: dmUuid ?? '',
    dmName: dmName ?? '',
    partitions,
  };
}

/** The device's partitions: sysfs entries named after it (sda1, nvme0n1p2) that have a `partition` file. */
async function readPartitions(hostFs: HostFs, disk: string, entries: string[], mounts: readonly MountEntry[]): Promise<Partition[]> {
  const candidates = entries.filter((entry) => entry.startsWith(disk) && entry !== disk);
  const partitions = await Promise.all(
    candidates.map(async (name): Promise<Partition | undefined> => {
      const dir = `${SYS_BLOCK}/${disk}/${name}`;
      const [isPartition, majorMinor] = await Promise.all([hostFs.exists(`${dir}/partition`), hostFs.readTrimmed(`${dir}/dev`)]);
      if (!isPartition) return undefined;
      const udev = await readUdevProperties(hostFs, majorMinor);
      const mount = mounts.find((m) => m.source === `/dev/${name}`);
      return { name, label: firstProperty(udev, 'ID_PART_ENTRY_NAME'), mountpoint: mount?.target ?? '' };
    }),
  );
  return partitions.filter((p): p is Partition => p !== undefined);
}
