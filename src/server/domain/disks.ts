/**
 * Installation-disk eligibility. The agent already marks what it can see on the host (mounted
 * partitions, installation media, LVM…); the service adds what depends on its own requirements,
 * as upstream does, and a disk is eligible only when neither side found a reason against it.
 */
import { GB, MIN_DISK_SIZE_GB } from './requirements.js';
import type { Inventory, InventoryDisk } from './responses.js';

const INSTALLABLE_DRIVE_TYPES = ['HDD', 'SSD', 'Multipath', 'iSCSI', 'FC', 'RAID'];
/** Mainframe DASD types only make sense where the installer can write them. */
const S390X_DRIVE_TYPES = ['ECKD', 'ECKD (ESE)', 'FBA'];

/** Decimal units, as the requirement is stated; small devices (optical, USB) in MB. */
export function formatGB(bytes: number): string {
  const [value, unit] = bytes >= GB ? [bytes / GB, 'GB'] : [bytes / 1e6, 'MB'];
  return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
}

/** Names of the inventory's multipath devices, built once per inventory rather than once per disk. */
function multipathNames(inventory: Inventory): Set<string> {
  const names = new Set<string>();
  for (const d of inventory.disks ?? []) if (d.drive_type === 'Multipath' && d.name) names.add(d.name);
  return names;
}

export function serviceReasons(disk: InventoryDisk, inventory: Inventory, multipath: Set<string> = multipathNames(inventory)): string[] {
  const reasons: string[] = [];
  const size = disk.size_bytes ?? 0;
  if (size < MIN_DISK_SIZE_GB * GB) {
    reasons.push(`Disk is too small: ${formatGB(size)} (required: ${MIN_DISK_SIZE_GB} GB)`);
  }
  const allowed = inventory.cpu?.architecture === 's390x' ? [...INSTALLABLE_DRIVE_TYPES, ...S390X_DRIVE_TYPES] : INSTALLABLE_DRIVE_TYPES;
  const type = disk.drive_type ?? 'Unknown';
  if (!allowed.includes(type)) {
    reasons.push(`Drive type ${type} cannot hold the installation (supported: ${allowed.join(', ')})`);
  }
  // Writing to one path of a multipath device corrupts it; the device itself is the target.
  const holders = (disk.holders ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const device = holders.find((holder) => multipath.has(holder));
  if (device) reasons.push(`Disk is a path of multipath device ${device}; use the multipath device instead`);
  return reasons;
}

/** The disk with the agent's and the service's reasons merged; idempotent, so stored inventories can pass again. */
export function withServiceEligibility(disk: InventoryDisk, inventory: Inventory, multipath?: Set<string>): InventoryDisk {
  const reasons = [...(disk.installation_eligibility?.not_eligible_reasons ?? [])];
  for (const reason of serviceReasons(disk, inventory, multipath)) if (!reasons.includes(reason)) reasons.push(reason);
  const eligibility: NonNullable<InventoryDisk['installation_eligibility']> = { eligible: reasons.length === 0 };
  if (reasons.length > 0) eligibility.not_eligible_reasons = reasons;
  return { ...disk, installation_eligibility: eligibility };
}

// Validations apply eligibility to the stored inventory again at every refresh (records from older
// versions lack it); inventories are shared and never mutated, so each is worked out once. A
// result is its own result: applying eligibility is idempotent.
const applied = new WeakMap<Inventory, Inventory>();

export function applyDiskEligibility(inventory: Inventory): Inventory {
  if (!inventory.disks) return inventory;
  const known = applied.get(inventory);
  if (known) return known;
  const multipath = multipathNames(inventory);
  const result = { ...inventory, disks: inventory.disks.map((disk) => withServiceEligibility(disk, inventory, multipath)) };
  applied.set(inventory, result);
  applied.set(result, result);
  return result;
}
