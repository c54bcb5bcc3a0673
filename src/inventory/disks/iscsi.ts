import type { HostFs } from '../../host/host-fs.js';

/**
 * An iSCSI disk's sysfs path runs through its SCSI host and session:
 * /sys/devices/platform/host3/session1/target3:0:0/3:0:0:1/block/sdc.
 */
function hostAndSession(sysPath: string): { host?: string; session?: string } {
  const parts = sysPath.split('/');
  return { host: parts[4], session: parts[5] };
}

/** The local address the initiator uses for this disk's session; undefined when unreadable. */
export async function iscsiHostAddress(hostFs: HostFs, sysPath: string): Promise<string | undefined> {
  const { host } = hostAndSession(sysPath);
  if (!host) return undefined;
  return hostFs.readTrimmed(`/sys/class/iscsi_host/${host}/ipaddress`);
}

/**
 * Why an iSCSI disk cannot be installed to, or undefined when it can: it must be running, and its
 * target must be the one the firmware booted from (listed in the iBFT), since the installed system
 * has to find its root disk again at boot.
 */
export async function iscsiIneligibility(hostFs: HostFs, name: string, sysPath: string): Promise<string | undefined> {
  const state = await hostFs.readTrimmed(`/sys/block/${name}/device/state`);
  if (state === undefined) return 'Failed to read state of iSCSI disk';
  if (state !== 'running') return 'iSCSI disk is not in running state';

  const { session } = hostAndSession(sysPath);
  if (!session?.startsWith('session')) return 'Cannot find iSCSI session';
  const targetName = await hostFs.readTrimmed(`/sys/class/iscsi_session/${session}/targetname`);
  if (targetName === undefined) return 'Cannot find iSCSI target name';

  if (!(await hostFs.isDirectory('/sys/firmware/ibft'))) return 'iBFT firmware is missing';
  const targets = (await hostFs.list('/sys/firmware/ibft')).filter((entry) => entry.startsWith('target'));
  const names = await Promise.all(targets.map((target) => hostFs.readTrimmed(`/sys/firmware/ibft/${target}/target-name`)));
  if (!names.includes(targetName)) return 'iSCSI disk is missing from iBFT';
  return undefined;
}
