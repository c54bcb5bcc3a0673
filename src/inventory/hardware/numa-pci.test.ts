import { describe, expect, it } from 'vitest';
import { HostFs } from '../../host/host-fs.js';
import { SyncHostFs } from '../../host/sync-host-fs.js';
import { PciIdsScanner, lookupPciClassName, readPciIdsNames } from '../pci-ids.js';
import { tempHost, testContext } from '../test-support.js';
import { collectNuma, nodeMemTotal, parseCpuList } from './numa.js';
import { collectPciDevices, numaNodeOfPath, owningPciAddress } from './pci-devices.js';

describe('NUMA nodes', () => {
  it('expands kernel CPU lists, ignores garbage and absurd ranges', () => {
    expect(parseCpuList('0-3,8-11')).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
    expect(parseCpuList('5')).toEqual([5]);
    expect(parseCpuList('')).toEqual([]);
    expect(parseCpuList('3-1,x,0-99999999,7')).toEqual([7]);
  });

  it('reads a node\'s MemTotal in kB as bytes, 0 for a memory-less node', () => {
    expect(nodeMemTotal('Node 1 MemTotal:       65842556 kB\nNode 1 MemFree:  1 kB\n')).toBe(65842556 * 1024);
    expect(nodeMemTotal('')).toBe(0);
  });

  it('lists nodes in numeric order (node10 after node2) with CPUs, memory and distances; none without node directories', async () => {
    const node = (id: number, cpus: string, kib: number, distance: string) => ({
      [`/sys/devices/system/node/node${id}/cpulist`]: `${cpus}\n`,
      [`/sys/devices/system/node/node${id}/meminfo`]: `Node ${id} MemTotal:       ${kib} kB\nNode ${id} MemFree:        1024 kB\n`,
      [`/sys/devices/system/node/node${id}/distance`]: `${distance}\n`,
    });
    const root = await tempHost({
      ...node(0, '0-1', 1024, '10 21 31'),
      ...node(2, '2-3', 2048, '21 10 21'),
      ...node(10, '', 0, '31 21 10'),
      '/sys/devices/system/node/online': '0,2,10\n',
      '/sys/devices/system/node/possible': '0-15\n',
    });
    expect(await collectNuma(testContext(new HostFs(root)))).toEqual({
      nodes: [
        { id: 0, cpus: [0, 1], memory_bytes: 1024 * 1024, distances: [10, 21, 31] },
        { id: 2, cpus: [2, 3], memory_bytes: 2048 * 1024, distances: [21, 10, 21] },
        { id: 10, cpus: [], memory_bytes: 0, distances: [31, 21, 10] },
      ],
    });
    expect(await collectNuma(testContext(new HostFs(await tempHost({ '/sys/devices/system/cpu/online': '0\n' }))))).toBeUndefined();
  });
});

const PCI_IDS = [
  '8086  Intel Corporation',
  '\t1593  Ethernet Controller E810-C for SFP',
  '\t\t8086 0002  Ethernet Network Adapter E810-XXV-4',
  '15b3  Mellanox Technologies',
  'C 01  Mass storage controller',
  '\t08  Non-Volatile memory controller',
  '\t\t02  NVM Express',
  'C 02  Network controller',
  '\t00  Ethernet controller',
  'C ff  Unassigned class',
  '',
].join('\n');

describe('PCI class names', () => {
  it('names the subclass as lspci does, else the class; nothing for an unknown class', () => {
    const db = Buffer.from(PCI_IDS);
    expect(lookupPciClassName(db, '0200')).toBe('Ethernet controller');
    expect(lookupPciClassName(db, '0108')).toBe('Non-Volatile memory controller');
    expect(lookupPciClassName(db, '0180')).toBe('Mass storage controller');
    expect(lookupPciClassName(db, 'ffff')).toBe('Unassigned class');
    expect(lookupPciClassName(db, '1200')).toBeUndefined();
  });
});

describe('pci.ids read in chunks', () => {
  const db = Buffer.from(`${PCI_IDS}1d6a  Aquantia Corp.\n\t07b1  AQC107 NBase-T/IEEE 802.3bz Ethernet Controller [AQtion] — Über\n`);
  const wanted = { vendors: ['8086', '1d6a'], devices: ['80861593', '1d6a07b1', '15b31021'], classes: ['0108', '0200', 'ff00'] };

  it('finds the same names whatever the chunk size, a UTF-8 name split between chunks included', () => {
    const whole = new PciIdsScanner(wanted);
    whole.feed(db);
    const expected = whole.finish();
    expect(expected.lookup('1d6a', '07b1').device).toBe('AQC107 NBase-T/IEEE 802.3bz Ethernet Controller [AQtion] — Über');
    expect(expected.lookup('8086', '1593')).toEqual({ vendor: 'Intel Corporation', device: 'Ethernet Controller E810-C for SFP' });
    expect(expected.lookup('15b3', '1021')).toEqual({});
    expect([expected.className('0108'), expected.className('0200'), expected.className('ff00')]).toEqual(['Non-Volatile memory controller', 'Ethernet controller', 'Unassigned class']);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const scanner = new PciIdsScanner(wanted);
      for (let at = 0; at < db.length; at += size) scanner.feed(Buffer.from(db.subarray(at, at + size)));
      const names = scanner.finish();
      expect([...names.vendors], `chunks of ${size}`).toEqual([...expected.vendors]);
      expect([...names.devices], `chunks of ${size}`).toEqual([...expected.devices]);
      expect([...names.classes], `chunks of ${size}`).toEqual([...expected.classes]);
    }
  });

  it('reads the host\'s database through HostFs and SyncHostFs in reused chunks', async () => {
    const root = await tempHost({ '/usr/share/misc/pci.ids': db });
    for (const hostFs of [new HostFs(root), new SyncHostFs(root)]) {
      const chunks: number[] = [];
      expect(await hostFs.readChunks('/usr/share/misc/pci.ids', (chunk) => chunks.push(chunk.length), 100)).toBe(true);
      expect(chunks.reduce((a, b) => a + b, 0)).toBe(db.length);
      expect(Math.max(...chunks)).toBe(100);
      expect(await hostFs.readChunks('/usr/share/misc/none', () => undefined)).toBe(false);
      const names = await readPciIdsNames(testContext(hostFs), wanted);
      expect(names?.lookup('1d6a', '07b1').vendor).toBe('Aquantia Corp.');
    }
    expect(await readPciIdsNames(testContext(new HostFs(await tempHost({}))), wanted)).toBeUndefined();
  });
});

describe('PCI devices', () => {
  const pf = '/sys/devices/pci0000:17/0000:17:02.0/0000:18:00.0';
  async function host() {
    return tempHost({
      '/usr/share/misc/pci.ids': PCI_IDS,
      [`${pf}/class`]: '0x020000\n',
      [`${pf}/vendor`]: '0x8086\n',
      [`${pf}/device`]: '0x1593\n',
      [`${pf}/subsystem_vendor`]: '0x8086\n',
      [`${pf}/subsystem_device`]: '0x0002\n',
      [`${pf}/numa_node`]: '1\n',
      [`${pf}/sriov_totalvfs`]: '128\n',
      [`${pf}/sriov_numvfs`]: '0\n',
      [`${pf}/driver`]: '-> ../../../../bus/pci/drivers/ice',
      '/sys/bus/pci/drivers/ice/uevent': '',
      [`${pf}/iommu_group`]: '-> ../../../../kernel/iommu_groups/0',
      '/sys/kernel/iommu_groups/0/type': 'DMA\n',
      '/sys/bus/pci/devices/0000:18:00.0': `-> ../../..${pf.slice(4)}`,
      '/sys/devices/pci0000:00/0000:00:1f.0/class': '0x060100\n',
      '/sys/devices/pci0000:00/0000:00:1f.0/vendor': '0x8086\n',
      '/sys/devices/pci0000:00/0000:00:1f.0/device': '0xa1c1\n',
      '/sys/devices/pci0000:00/0000:00:1f.0/numa_node': '-1\n',
      '/sys/bus/pci/devices/0000:00:1f.0': '-> ../../../devices/pci0000:00/0000:00:1f.0',
      // Not a PCI address: never read as one.
      '/sys/bus/pci/devices/bogus/class': '0x020000\n',
    });
  }

  it('reports IDs, pci.ids names, driver, IOMMU group, NUMA node and SR-IOV; -1 and missing files are absent', async () => {
    const devices = await collectPciDevices(testContext(new HostFs(await host())));
    expect(devices).toEqual([
      {
        address: '0000:00:1f.0', class_id: '0601', class_name: '', vendor_id: '8086', vendor_name: 'Intel Corporation', device_id: 'a1c1',
        device_name: '', subsystem_vendor_id: '', subsystem_device_id: '', driver: '',
        iommu_group: undefined, numa_node: undefined, sriov_total_vfs: undefined, sriov_num_vfs: undefined, physical_function: undefined,
      },
      {
        address: '0000:18:00.0', class_id: '0200', class_name: 'Ethernet controller', vendor_id: '8086', vendor_name: 'Intel Corporation',
        device_id: '1593', device_name: 'Ethernet Controller E810-C for SFP', subsystem_vendor_id: '8086', subsystem_device_id: '0002',
        driver: 'ice', iommu_group: 0, numa_node: 1, sriov_total_vfs: 128, sriov_num_vfs: 0, physical_function: undefined,
      },
    ]);
  });

  it('finds the PCI function behind a device path and its NUMA node', async () => {
    expect(owningPciAddress('/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/nvme/nvme0/nvme0n1')).toBe('0000:3b:00.0');
    expect(owningPciAddress('/sys/devices/virtual/block/dm-0')).toBeUndefined();
    const ctx = testContext(new HostFs(await host()));
    expect(await numaNodeOfPath(ctx, `${pf}/net/ens1f0`)).toBe(1);
    expect(await numaNodeOfPath(ctx, '/sys/devices/pci0000:00/0000:00:1f.0/foo')).toBeUndefined();
    expect(await numaNodeOfPath(ctx, '/sys/devices/platform/serial8250')).toBeUndefined();
  });
});
