import type { BlockDevice } from './block-device.js';
import type { StorageController } from './drive-type.js';

export const REASON_UNKNOWN_CONTROLLER = 'Disk has unknown storage controller';
export const REASON_LVM = 'Disk is an LVM logical volume';
export const REASON_ISO = 'Disk appears to be an ISO installation media (has partition with mountpoint suffix iso)';
export const mountedPartitionReason = (partition: string, mountpoint: string): string =>
  `Disk has partition '${partition}' mounted on '${mountpoint}'`;

/** A partition whose GPT name starts with this belongs to the appliance image (its own disk layout). */
const APPLIANCE_PARTITION_PREFIX = 'agent';

export interface EligibilityFacts {
  device: Pick<BlockDevice, 'name' | 'partitions'>;
  controller: StorageController;
  multipath: boolean;
  lvm: boolean;
  /** The reason an iSCSI disk is not usable, when it is one and is not. */
  iscsiReason?: string;
}

/**
 * The agent's own reasons a disk cannot hold the installation, in upstream's order. The service
 * adds its own (size, drive type, multipath members) on top of these.
 */
export function ineligibilityReasons(facts: EligibilityFacts): string[] {
  const { device } = facts;
  const reasons: string[] = [];
  // Device-mapper, md and DASD devices have no controller of their own by design.
  const exempt = facts.multipath || facts.lvm || device.name.startsWith('dasd') || device.name.startsWith('md');
  if (facts.controller === 'Unknown' && !exempt) reasons.push(REASON_UNKNOWN_CONTROLLER);
  if (facts.lvm) reasons.push(REASON_LVM);
  if (facts.iscsiReason) reasons.push(facts.iscsiReason);

  if (device.partitions.some((p) => p.label.startsWith(APPLIANCE_PARTITION_PREFIX))) return reasons;
  if (device.partitions.some((p) => p.mountpoint.endsWith('iso'))) {
    reasons.push(REASON_ISO);
    return reasons;
  }
  for (const partition of device.partitions) {
    if (partition.mountpoint) reasons.push(mountedPartitionReason(partition.name, partition.mountpoint));
  }
  return reasons;
}

/** Installation media: a partition mounted at …iso (the live ISO's mount), or an optical drive. */
export function isInstallationMedia(device: Pick<BlockDevice, 'partitions'>, nameDriveType: string): boolean {
  return nameDriveType === 'ODD' || device.partitions.some((p) => p.mountpoint.endsWith('iso'));
}
