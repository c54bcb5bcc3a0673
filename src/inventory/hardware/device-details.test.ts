import { describe, expect, it } from 'vitest';
import { HostFs } from '../../host/host-fs.js';
import { tempHost, testContext } from '../test-support.js';
import { collectDiskDetails } from './disk-details.js';
import { gpuDetails } from './gpu-details.js';
import { collectNicDetails, parseEthtoolDriverInfo } from './nic-details.js';

// ethtool 6.1's driver information for an Intel E810 port.
const ETHTOOL_ICE = `driver: ice
version: 6.1.0-18-amd64
firmware-version: 4.20 0x80017785 1.3346.0
expansion-rom-version: 
bus-info: 0000:18:00.0
supports-statistics: yes
supports-test: yes
supports-eeprom-access: yes
supports-register-dump: yes
supports-priv-flags: yes
`;

const PF = '/sys/devices/pci0000:17/0000:17:02.0/0000:18:00.0';
const AHCI = '/sys/devices/pci0000:00/0000:00:17.0';
const NVME = '/sys/devices/pci0000:c0/0000:c0:01.1/0000:c1:00.0';

function pciFunction(dir: string, numaNode: string): Record<string, string> {
  const address = dir.slice(dir.lastIndexOf('/') + 1);
  return {
    [`${dir}/class`]: '0x020000\n',
    [`${dir}/vendor`]: '0x8086\n',
    [`${dir}/device`]: '0x1593\n',
    [`${dir}/numa_node`]: `${numaNode}\n`,
    [`/sys/bus/pci/devices/${address}`]: `-> ../../..${dir.slice(4)}`,
  };
}

describe('NIC details', () => {
  it('parses ethtool -i; N/A firmware is none', () => {
    expect(parseEthtoolDriverInfo(ETHTOOL_ICE)).toEqual({ driver: 'ice', version: '6.1.0-18-amd64', firmwareVersion: '4.20 0x80017785 1.3346.0', busInfo: '0000:18:00.0' });
    expect(parseEthtoolDriverInfo('driver: r8152\nversion: v1.12.13\nfirmware-version: N/A\n').firmwareVersion).toBe('');
  });

  it('runs ethtool only for NICs on a bus; falls back to the sysfs driver and module version; never passes a name as an option', async () => {
    const calls: string[] = [];
    const root = await tempHost({
      ...pciFunction(PF, '1'),
      [`${PF}/net/ens1f0/address`]: 'b4:96:91:00:00:01\n',
      '/sys/class/net/ens1f0': `-> ../../devices/pci0000:17/0000:17:02.0/0000:18:00.0/net/ens1f0`,
      [`${PF}/net/ens1f0/device`]: '-> ../../../0000:18:00.0',
      ...pciFunction(AHCI, '-1'),
      [`${AHCI}/net/eno1/address`]: 'b4:96:91:00:00:02\n',
      '/sys/class/net/eno1': '-> ../../devices/pci0000:00/0000:00:17.0/net/eno1',
      [`${AHCI}/net/eno1/device`]: '-> ../../../0000:00:17.0',
      [`${AHCI}/driver`]: '-> ../../../bus/pci/drivers/igb',
      '/sys/bus/pci/drivers/igb/uevent': '',
      '/sys/module/igb/version': '5.6.0-k\n',
      [`${AHCI}/net/-h/address`]: 'b4:96:91:00:00:03\n',
      '/sys/class/net/-h': '-> ../../devices/pci0000:00/0000:00:17.0/net/-h',
      [`${AHCI}/net/-h/device`]: '-> ../../../0000:00:17.0',
      '/sys/devices/virtual/net/br0/address': '00:00:00:00:00:01\n',
      '/sys/class/net/br0': '-> ../../devices/virtual/net/br0',
    });
    const ctx = testContext(new HostFs(root), { 'ethtool -i ens1f0': { stdout: ETHTOOL_ICE }, 'ethtool -i eno1': { exitCode: 71, stderr: 'Cannot get driver information: Operation not supported\n' } }, undefined, calls);
    const details = await collectNicDetails(ctx);
    expect(Object.fromEntries(details)).toEqual({
      ens1f0: { driver: 'ice', driver_version: '6.1.0-18-amd64', firmware_version: '4.20 0x80017785 1.3346.0', pci_address: '0000:18:00.0', numa_node: 1 },
      eno1: { driver: 'igb', driver_version: '5.6.0-k', pci_address: '0000:00:17.0' },
      '-h': { driver: 'igb', driver_version: '5.6.0-k', pci_address: '0000:00:17.0' },
    });
    expect(calls.sort()).toEqual(['ethtool -i eno1', 'ethtool -i ens1f0']);
  });
});

describe('disk details', () => {
  it('reads NVMe firmware_rev and SCSI rev, the NUMA node of the controller, nothing for virtual devices', async () => {
    const root = await tempHost({
      ...pciFunction(NVME, '3'),
      [`${NVME}/nvme/nvme0/firmware_rev`]: 'GDC5902Q\n',
      [`${NVME}/nvme/nvme0/nvme0n1/size`]: '100\n',
      [`${NVME}/nvme/nvme0/nvme0n1/device`]: '-> ../../nvme0',
      '/sys/block/nvme0n1': '-> ../devices/pci0000:c0/0000:c0:01.1/0000:c1:00.0/nvme/nvme0/nvme0n1',
      ...pciFunction(AHCI, '0'),
      [`${AHCI}/ata1/host0/target0:0:0/0:0:0:0/rev`]: 'D3MU\n',
      [`${AHCI}/ata1/host0/target0:0:0/0:0:0:0/block/sda/size`]: '100\n',
      [`${AHCI}/ata1/host0/target0:0:0/0:0:0:0/block/sda/device`]: '-> ../../../0:0:0:0',
      '/sys/block/sda': '-> ../devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda',
      '/sys/devices/virtual/block/md127/size': '100\n',
      '/sys/block/md127': '-> ../devices/virtual/block/md127',
      '/sys/devices/virtual/block/loop0/size': '0\n',
      '/sys/block/loop0': '-> ../devices/virtual/block/loop0',
    });
    const details = await collectDiskDetails(testContext(new HostFs(root)));
    expect(Object.fromEntries(details)).toEqual({
      nvme0n1: { firmware_version: 'GDC5902Q', numa_node: 3 },
      sda: { firmware_version: 'D3MU', numa_node: 0 },
      md127: {},
    });
  });
});

describe('GPU details', () => {
  it('reads amdgpu\'s vbios_version, NVIDIA\'s Video BIOS line, and the NUMA node', async () => {
    const amd = '/sys/devices/pci0000:80/0000:80:01.1/0000:83:00.0';
    const nv = '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0';
    const root = await tempHost({
      ...pciFunction(amd, '2'),
      [`${amd}/vbios_version`]: '113-D67301-063\n',
      ...pciFunction(nv, '-1'),
      '/proc/driver/nvidia/gpus/0000:01:00.0/information': 'Model: \t\t NVIDIA A100-PCIE-40GB\nIRQ:   \t\t 160\nVideo BIOS: \t 92.00.25.00.08\nBus Location: \t 0000:01:00.0\n',
    });
    const ctx = testContext(new HostFs(root));
    expect(await gpuDetails(ctx, '0000:83:00.0')).toEqual({ numa_node: 2, vbios_version: '113-D67301-063' });
    expect(await gpuDetails(ctx, '0000:01:00.0')).toEqual({ vbios_version: '92.00.25.00.08' });
  });
});
