import type { CollectorContext } from '../context.js';
import type { Disk } from '../model.js';
import { hostMounts } from '../mounts.js';
import { listBlockDeviceNames, readBlockDevice, type BlockDevice } from './block-device.js';
import { byPathLink, duplicateBusPaths, readByIdLinks } from './disk-links.js';
import { driveType, isIscsiBusPath, isLvm, isMultipath, typeFromKernelName } from './drive-type.js';
import { ineligibilityReasons, isInstallationMedia } from './eligibility.js';
import { iscsiHostAddress, iscsiIneligibility } from './iscsi.js';

const WWN_LINK_PREFIX = '/dev/disk/by-id/wwn-';
/** The appliance image exposes its target disk as a device-mapper device named agent…. */
const APPLIANCE_DM_PREFIX = 'agent';
const APPLIANCE_DISK_BYTES = 100 * 1024 ** 3;

interface DiskLookups {
  byId: Map<string, string>;
  duplicateBusPaths: Set<string>;
}

export async function collectDisks(ctx: CollectorContext): Promise<Disk[]> {
  const [names, mounts, byId] = await Promise.all([listBlockDeviceNames(ctx.hostFs), hostMounts(ctx), readByIdLinks(ctx.hostFs)]);
  const [devices, appliance] = await Promise.all([
    Promise.all(names.map((name) => readBlockDevice(ctx.hostFs, name, mounts))),
    findApplianceDevice(ctx, names),
  ]);
  const listed = devices.filter((d): d is BlockDevice => d !== undefined);
  const lookups: DiskLookups = { byId, duplicateBusPaths: duplicateBusPaths(listed.map((d) => d.busPath)) };

  if (appliance !== undefined) {
    const device = await readBlockDevice(ctx.hostFs, appliance, mounts, { evenIfUnlisted: true });
    if (device) return [await applianceDisk(ctx, device, listed, lookups)];
  }
  return Promise.all(listed.map((device) => describeDisk(ctx, device, lookups)));
}

async function describeDisk(ctx: CollectorContext, device: BlockDevice, lookups: DiskLookups): Promise<Disk> {
  const disk = await identify(ctx, device, lookups);
  const { name, busPath } = device;
  const iscsi = isIscsiBusPath(busPath);
  const [dasd, bootable, hasUuid, iscsiReason, iscsiAddress] = await Promise.all([
    name.startsWith('dasd') ? readDasd(ctx, name) : undefined,
    isBootable(ctx, disk.path),
    hasScsiUuid(ctx, disk.path),
    iscsi ? iscsiIneligibility(ctx.hostFs, name, device.sysPath) : undefined,
    iscsi ? iscsiHostAddress(ctx.hostFs, device.sysPath) : undefined,
  ]);
  const fromName = typeFromKernelName(name, device.rotational);
  const reasons = ineligibilityReasons({
    device,
    controller: fromName.controller,
    multipath: isMultipath(device),
    lvm: isLvm(device),
    iscsiReason,
  });
  return {
    ...disk,
    bootable,
    drive_type: driveType({ name, busPath, dmUuid: device.dmUuid, rotational: device.rotational, dasd }),
    has_uuid: hasUuid,
    installation_eligibility: { eligible: reasons.length === 0, not_eligible_reasons: reasons.length === 0 ? null : reasons },
    is_installation_media: isInstallationMedia(device, fromName.driveType),
    ...(iscsiAddress !== undefined ? { iscsi: { host_ip_address: iscsiAddress } } : {}),
  };
}

/** The identity fields: names, links, hardware IDs and size, as sysfs and udev give them. */
async function identify(ctx: CollectorContext, device: BlockDevice, lookups: DiskLookups): Promise<Disk> {
  const devNode = `/dev/${device.name}`;
  const [nodeExists, byPath] = await Promise.all([ctx.hostFs.exists(devNode), byPathLink(ctx.hostFs, device.busPath)]);
  const path = nodeExists ? devNode : (byPath?.target ?? '');
  const byId = lookups.byId.get(path) ?? '';
  const byPathName = byPath !== undefined && !lookups.duplicateBusPaths.has(device.busPath) ? byPath.link : '';
  return {
    bootable: false,
    by_id: byId,
    by_path: byPathName,
    drive_type: 'Unknown',
    has_uuid: false,
    hctl: device.hctl,
    holders: device.holders.join(','),
    id: byId || byPathName || path,
    installation_eligibility: { eligible: false, not_eligible_reasons: null },
    is_installation_media: false,
    model: device.model,
    name: device.name,
    path,
    removable: device.removable,
    serial: device.serial,
    size_bytes: device.sizeBytes,
    vendor: device.vendor,
    // Multipath maps often carry no WWN property of their own, but their wwn- link names it.
    wwn: device.wwn || (byId.startsWith(WWN_LINK_PREFIX) ? byId.slice(WWN_LINK_PREFIX.length) : ''),
  };
}

/** `file -s` recognises an MBR (including GPT's protective one) in the first sector. */
async function isBootable(ctx: CollectorContext, path: string): Promise<boolean> {
  if (!path) return false;
  const result = await ctx.tools.runOptional('file', ['-s', path], 10_000);
  return result.stdout.includes('DOS/MBR boot sector');
}

/** Whether the disk answers a SCSI Device Identification VPD inquiry (page 0x83), as vSphere disks with disk.EnableUUID do. */
async function hasScsiUuid(ctx: CollectorContext, path: string): Promise<boolean> {
  if (!path) return false;
  const result = await ctx.tools.runOptional('sg_inq', ['-p', '0x83', path], 10_000);
  return result.exitCode === 0;
}

async function readDasd(ctx: CollectorContext, name: string): Promise<{ discipline: string; ese: boolean }> {
  const [discipline, ese] = await Promise.all([
    ctx.hostFs.readTrimmed(`/sys/block/${name}/device/discipline`),
    ctx.hostFs.readTrimmed(`/sys/block/${name}/device/ese`),
  ]);
  return { discipline: discipline ?? '', ese: ese === '1' };
}

async function findApplianceDevice(ctx: CollectorContext, names: string[]): Promise<string | undefined> {
  const dmNames = names.filter((name) => name.startsWith('dm-'));
  const mapped = await Promise.all(dmNames.map((name) => ctx.hostFs.readTrimmed(`/sys/block/${name}/dm/name`)));
  return dmNames.find((_, i) => mapped[i]?.startsWith(APPLIANCE_DM_PREFIX));
}

/**
 * On the appliance the agent runs from a device-mapper view of the target disk: that is the only
 * disk reported, always eligible, with a nominal size, and with has_uuid if any real disk has one.
 */
async function applianceDisk(ctx: CollectorContext, device: BlockDevice, listed: BlockDevice[], lookups: DiskLookups): Promise<Disk> {
  const disk = await identify(ctx, device, lookups);
  const paths = listed.map((d) => `/dev/${d.name}`);
  const uuids = await Promise.all(paths.map((path) => hasScsiUuid(ctx, path)));
  return {
    ...disk,
    drive_type: 'SSD',
    has_uuid: uuids.includes(true),
    installation_eligibility: { eligible: true, not_eligible_reasons: null },
    size_bytes: APPLIANCE_DISK_BYTES,
  };
}
