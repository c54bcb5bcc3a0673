import { describe, expect, it } from 'vitest';
import { HostFs } from '../../host/host-fs.js';
import { tempHost, testContext } from '../test-support.js';
import { isListedBlockDevice } from './block-device.js';
import { duplicateBusPaths } from './disk-links.js';
import { collectDisks } from './disks.js';
import { driveType, typeFromKernelName } from './drive-type.js';
import { REASON_ISO, REASON_LVM, REASON_UNKNOWN_CONTROLLER, ineligibilityReasons, isInstallationMedia } from './eligibility.js';
import { iscsiIneligibility } from './iscsi.js';
import { firstProperty, parseUdevProperties } from './udev-db.js';

describe('udev database entries', () => {
  it('reads the E: properties only, values may contain "="', () => {
    const props = parseUdevProperties('S:disk/by-id/wwn-0x5000c500a1b2c3d4\nI:3721845\nE:ID_MODEL=EG001200JWJNQ\nE:ID_FS_LABEL=a=b\nE:ID_SERIAL=\nG:systemd\n');
    expect([...props]).toEqual([
      ['ID_MODEL', 'EG001200JWJNQ'],
      ['ID_FS_LABEL', 'a=b'],
      ['ID_SERIAL', ''],
    ]);
    expect(firstProperty(props, 'ID_SCSI_SERIAL', 'ID_SERIAL', 'ID_MODEL')).toBe('EG001200JWJNQ');
  });
});

describe('which block devices are listed', () => {
  it('skips hidden, loop, zram and device-mapper devices other than multipath and LVM', () => {
    const listed = (name: string, dmUuid = '', hidden = false): boolean => isListedBlockDevice({ name, dmUuid }, hidden);
    expect(listed('sda')).toBe(true);
    expect(listed('nvme1c1n1', '', true)).toBe(false);
    expect(listed('loop0')).toBe(false);
    expect(listed('zram0')).toBe(false);
    expect(listed('dm-0', 'mpath-3600a098038304437')).toBe(true);
    expect(listed('dm-1', 'LVM-abc')).toBe(true);
    expect(listed('dm-2', 'CRYPT-LUKS2-abc')).toBe(false);
    expect(listed('dm-3', 'part1-mpath-3600a098038304437')).toBe(false);
    expect(listed('nbd0')).toBe(true);
  });
});

describe('drive types', () => {
  const kind = (name: string, extra: Partial<Parameters<typeof driveType>[0]> = {}) => driveType({ name, busPath: '', dmUuid: '', rotational: true, ...extra });

  it('derive from the kernel name, solid state when not rotational', () => {
    expect(['sda', 'hda', 'vda', 'xvda', 'nvme0n1', 'mmcblk0', 'sr0', 'fd0', 'nbd0'].map((n) => kind(n))).toEqual(['HDD', 'HDD', 'HDD', 'HDD', 'SSD', 'SSD', 'ODD', 'FDD', 'Unknown']);
    expect(kind('sda', { rotational: false })).toBe('SSD');
    expect(kind('sr0', { rotational: false })).toBe('ODD');
  });

  it('put transport and mapping roles first: DASD, iSCSI, FC, multipath, LVM, md', () => {
    expect(kind('dasda', { dasd: { discipline: 'ECKD', ese: true } })).toBe('ECKD (ESE)');
    expect(kind('dasda', { dasd: { discipline: 'ECKD', ese: false } })).toBe('ECKD');
    expect(kind('dasdb', { dasd: { discipline: 'FBA', ese: false } })).toBe('FBA');
    expect(kind('dasdc')).toBe('Unknown');
    expect(kind('sdc', { busPath: 'ip-192.168.50.10:3260-iscsi-iqn.2003-01.org.example:boot-lun-0' })).toBe('iSCSI');
    expect(kind('sda', { busPath: 'pci-0000:5c:00.0-fc-0x500a098187e94d7a-lun-0' })).toBe('FC');
    expect(kind('sdb', { busPath: 'fc-0x500a098187e94d7a-lun-0' })).toBe('FC');
    expect(kind('dm-0', { dmUuid: 'mpath-3600a0980' })).toBe('Multipath');
    expect(kind('dm-1', { dmUuid: 'LVM-abc' })).toBe('LVM');
    expect(kind('md127')).toBe('RAID');
  });

  it('give each kernel name its storage controller', () => {
    expect(['sda', 'sr0', 'xvdb', 'hda', 'vda', 'nvme0n1', 'mmcblk0', 'md0', 'dm-0'].map((n) => typeFromKernelName(n, true).controller)).toEqual([
      'SCSI',
      'SCSI',
      'SCSI',
      'IDE',
      'virtio',
      'NVMe',
      'MMC',
      'Unknown',
      'Unknown',
    ]);
  });
});

describe('eligibility reasons', () => {
  const device = (name: string, partitions: { name: string; label?: string; mountpoint?: string }[] = []) => ({
    name,
    partitions: partitions.map((p) => ({ label: '', mountpoint: '', ...p })),
  });

  it('rejects an unknown controller unless the device is a multipath, LVM, md or DASD device', () => {
    expect(ineligibilityReasons({ device: device('nbd0'), controller: 'Unknown', multipath: false, lvm: false })).toEqual([REASON_UNKNOWN_CONTROLLER]);
    expect(ineligibilityReasons({ device: device('md127'), controller: 'Unknown', multipath: false, lvm: false })).toEqual([]);
    expect(ineligibilityReasons({ device: device('dasda'), controller: 'Unknown', multipath: false, lvm: false })).toEqual([]);
    expect(ineligibilityReasons({ device: device('dm-0'), controller: 'Unknown', multipath: true, lvm: false })).toEqual([]);
    expect(ineligibilityReasons({ device: device('dm-1'), controller: 'Unknown', multipath: false, lvm: true })).toEqual([REASON_LVM]);
  });

  it('names every mounted partition, or only the ISO reason when one is mounted at …iso', () => {
    const mounted = device('sda', [{ name: 'sda1', mountpoint: '/boot/efi' }, { name: 'sda2' }, { name: 'sda3', mountpoint: '/' }]);
    expect(ineligibilityReasons({ device: mounted, controller: 'SCSI', multipath: false, lvm: false })).toEqual([
      "Disk has partition 'sda1' mounted on '/boot/efi'",
      "Disk has partition 'sda3' mounted on '/'",
    ]);
    const iso = device('sdb', [{ name: 'sdb1', mountpoint: '/run/media/iso' }, { name: 'sdb2', mountpoint: '/mnt' }]);
    expect(ineligibilityReasons({ device: iso, controller: 'SCSI', multipath: false, lvm: false })).toEqual([REASON_ISO]);
    expect(isInstallationMedia(iso, 'HDD')).toBe(true);
    expect(isInstallationMedia(device('sr0'), 'ODD')).toBe(true);
    expect(isInstallationMedia(mounted, 'HDD')).toBe(false);
  });

  it('skips the partition checks on the appliance\'s own disk layout', () => {
    const appliance = device('sda', [{ name: 'sda1', label: 'agentboot', mountpoint: '/boot' }]);
    expect(ineligibilityReasons({ device: appliance, controller: 'SCSI', multipath: false, lvm: false })).toEqual([]);
  });

  it('keeps the agent\'s reasons before the iSCSI one', () => {
    expect(ineligibilityReasons({ device: device('sdc'), controller: 'SCSI', multipath: false, lvm: false, iscsiReason: 'iBFT firmware is missing' })).toEqual(['iBFT firmware is missing']);
  });
});

describe('iSCSI checks', () => {
  const sysPath = '/sys/devices/platform/host3/session1/target3:0:0/3:0:0:0/block/sdc';

  it('walks state, session, target name and iBFT in that order', async () => {
    const base = { '/sys/block/sdc/device/state': 'running\n' };
    const noTarget = new HostFs(await tempHost(base));
    expect(await iscsiIneligibility(noTarget, 'sdc', sysPath)).toBe('Cannot find iSCSI target name');
    const withTarget = { ...base, '/sys/class/iscsi_session/session1/targetname': 'iqn.2003-01.org.example:boot\n' };
    expect(await iscsiIneligibility(new HostFs(await tempHost(withTarget)), 'sdc', sysPath)).toBe('iBFT firmware is missing');
    const inIbft = { ...withTarget, '/sys/firmware/ibft/target0/target-name': 'iqn.2003-01.org.example:boot\n' };
    expect(await iscsiIneligibility(new HostFs(await tempHost(inIbft)), 'sdc', sysPath)).toBeUndefined();
    const blocked = new HostFs(await tempHost({ ...inIbft, '/sys/block/sdc/device/state': 'blocked\n' }));
    expect(await iscsiIneligibility(blocked, 'sdc', sysPath)).toBe('iSCSI disk is not in running state');
    expect(await iscsiIneligibility(new HostFs(await tempHost({})), 'sdc', sysPath)).toBe('Failed to read state of iSCSI disk');
  });
});

describe('disk identity', () => {
  it('drops a by-path name that two devices share', () => {
    expect([...duplicateBusPaths(['pci-a', 'pci-b', '', 'pci-a', ''])]).toEqual(['pci-a']);
  });

  it('reports only the appliance disk, nominal size, eligible, has_uuid when any disk answers sg_inq', async () => {
    const root = await tempHost({
      '/sys/block/dm-0': '-> ../devices/virtual/block/dm-0',
      '/sys/devices/virtual/block/dm-0/dm/name': 'agent-disk\n',
      '/sys/devices/virtual/block/dm-0/dm/uuid': 'CRYPT-plain\n',
      '/sys/devices/virtual/block/dm-0/size': '2048\n',
      '/sys/devices/virtual/block/dm-0/dev': '253:0\n',
      '/sys/block/sda': '-> ../devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda',
      '/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/size': '2048\n',
      '/dev/dm-0': '',
      '/dev/sda': '',
    });
    const disks = await collectDisks(testContext(new HostFs(root), { 'sg_inq -p 0x83 /dev/sda': {} }));
    expect(disks.map((d) => [d.name, d.size_bytes, d.drive_type, d.has_uuid, d.installation_eligibility.eligible])).toEqual([['dm-0', 100 * 1024 ** 3, 'SSD', true, true]]);
  });
});
