import type { DriveType } from '../model.js';

export type StorageController = 'SCSI' | 'IDE' | 'virtio' | 'NVMe' | 'MMC' | 'loop' | 'Unknown';

/** The drive type and controller that the kernel name implies (the naming of each block driver). */
export function typeFromKernelName(name: string, rotational: boolean): { driveType: DriveType; controller: StorageController } {
  let driveType: DriveType = 'Unknown';
  let controller: StorageController = 'Unknown';
  if (name.startsWith('hd')) [driveType, controller] = ['HDD', 'IDE'];
  else if (name.startsWith('sd')) [driveType, controller] = ['HDD', 'SCSI'];
  else if (name.startsWith('vd')) [driveType, controller] = ['HDD', 'virtio'];
  else if (name.startsWith('xvd')) [driveType, controller] = ['HDD', 'SCSI'];
  else if (name.startsWith('nvme')) [driveType, controller] = ['SSD', 'NVMe'];
  else if (name.startsWith('mmc')) [driveType, controller] = ['SSD', 'MMC'];
  else if (name.startsWith('sr')) [driveType, controller] = ['ODD', 'SCSI'];
  else if (name.startsWith('fd')) driveType = 'FDD';
  else if (name.startsWith('loop')) [driveType, controller] = ['virtual', 'loop'];
  // A "disk" that does not spin is solid state, whatever bus it hangs off.
  if (driveType === 'HDD' && !rotational) driveType = 'SSD';
  return { driveType, controller };
}

export interface DriveKind {
  name: string;
  busPath: string;
  dmUuid: string;
  rotational: boolean;
  /** For DASDs: the discipline (ECKD, FBA) and whether an ECKD volume is extent-space-efficient. */
  dasd?: { discipline: string; ese: boolean };
}

export const isMultipath = (kind: Pick<DriveKind, 'dmUuid'>): boolean => kind.dmUuid.startsWith('mpath-');
export const isLvm = (kind: Pick<DriveKind, 'dmUuid'>): boolean => kind.dmUuid.startsWith('LVM-');
export const isIscsiBusPath = (busPath: string): boolean => busPath.includes('-iscsi-');
export const isFcBusPath = (busPath: string): boolean => busPath.includes('-fc-') || busPath.startsWith('fc-');

/** The inventory's drive type: the transport or device-mapper role first, the kernel name's type last. */
export function driveType(kind: DriveKind): DriveType {
  if (kind.name.startsWith('dasd')) {
    if (kind.dasd?.discipline === 'ECKD') return kind.dasd.ese ? 'ECKD (ESE)' : 'ECKD';
    if (kind.dasd?.discipline === 'FBA') return 'FBA';
    return 'Unknown';
  }
  if (isIscsiBusPath(kind.busPath)) return 'iSCSI';
  if (isFcBusPath(kind.busPath)) return 'FC';
  if (isMultipath(kind)) return 'Multipath';
  if (isLvm(kind)) return 'LVM';
  if (kind.name.startsWith('md')) return 'RAID';
  const { driveType: fromName } = typeFromKernelName(kind.name, kind.rotational);
  return fromName === 'virtual' ? 'Unknown' : fromName;
}
