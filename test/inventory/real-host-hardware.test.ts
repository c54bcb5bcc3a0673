/**
 * The hardware sections of this machine's inventory against what its own tools and kernel say now:
 * `lspci -vmm -D -k -nn` for every PCI device (IDs, names, class, driver, IOMMU group, NUMA node),
 * `lscpu -p=CPU,NODE` for which CPUs each NUMA node holds, `ethtool -i` for each NIC's driver and
 * firmware, sysfs for node memory and distances and for the NUMA node behind each disk, /proc/cpuinfo
 * for the microcode. Values are read live, never written down.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectWire, type WireInventory } from './support.js';

const run = promisify(execFile);
const onLinux = process.platform === 'linux' && existsSync('/sys/devices/system/node');

async function stdout(file: string, args: string[]): Promise<string> {
  return (await run(file, args, { timeout: 10_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
}

function sysfs(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** lspci's machine-readable verbose records ("Key:\tValue" lines, a blank line between devices). */
function parseLspciVmm(text: string): Record<string, string>[] {
  return text
    .split(/\n\s*\n/)
    .map((block) => Object.fromEntries(block.split('\n').filter((l) => l.includes(':\t')).map((l) => [l.slice(0, l.indexOf(':\t')), l.slice(l.indexOf(':\t') + 2).trim()])))
    .filter((record) => record.Slot !== undefined);
}

/** "Red Hat, Inc. [1af4]" → name and ID; lspci writes "Device [0d57]" / "Vendor [abcd]" when the database lacks the name. */
function nameAndId(value: string | undefined, placeholder: string): { name?: string; id?: string } {
  const match = /^(.*?)\s*\[([0-9a-f]{4})\]$/.exec(value ?? '');
  if (!match) return {};
  return { id: match[2], name: match[1] === placeholder ? undefined : match[1] };
}

describe.skipIf(!onLinux)('this machine\'s hardware sections', () => {
  let wire: WireInventory;
  beforeAll(async () => {
    ({ wire } = await collectWire('/'));
  });

  it('lists every PCI function lspci and /sys/bus/pci/devices list, with lspci\'s IDs, names, class, driver, IOMMU group and NUMA node', async () => {
    const lspci = parseLspciVmm(await stdout('lspci', ['-vmm', '-D', '-k', '-nn']));
    const devices = wire.pci_devices as WireInventory[];
    expect(devices.map((d) => d.address)).toEqual(readdirSync('/sys/bus/pci/devices').sort());
    expect(devices.map((d) => d.address)).toEqual(lspci.map((r) => r.Slot));
    for (const record of lspci) {
      const device = devices.find((d) => d.address === record.Slot) as WireInventory;
      const klass = /^(.*?)\s*\[([0-9a-f]{4})\]$/.exec(record.Class ?? '');
      expect(device.class_id, `${record.Slot} class`).toBe(klass?.[2]);
      expect(device.class_name, `${record.Slot} class name`).toBe(klass?.[1]);
      const vendor = nameAndId(record.Vendor, 'Vendor');
      const model = nameAndId(record.Device, 'Device');
      expect(device.vendor_id, `${record.Slot} vendor`).toBe(vendor.id);
      expect(device.vendor_name, `${record.Slot} vendor name`).toBe(vendor.name);
      expect(device.device_id, `${record.Slot} device`).toBe(model.id);
      expect(device.device_name, `${record.Slot} device name`).toBe(model.name);
      if (record.SVendor) expect(device.subsystem_vendor_id, `${record.Slot} subsystem vendor`).toBe(nameAndId(record.SVendor, 'Vendor').id);
      expect(device.driver, `${record.Slot} driver`).toBe(record.Driver);
      expect(device.iommu_group, `${record.Slot} IOMMU group`).toBe(record.IOMMUGroup === undefined ? undefined : Number(record.IOMMUGroup));
      expect(device.numa_node, `${record.Slot} NUMA node`).toBe(record.NUMANode === undefined ? undefined : Number(record.NUMANode));
      const totalVfs = sysfs(`/sys/bus/pci/devices/${record.Slot}/sriov_totalvfs`);
      expect(device.sriov_total_vfs, `${record.Slot} SR-IOV`).toBe(totalVfs === undefined ? undefined : Number(totalVfs));
    }
  });

  it('reports the NUMA nodes sysfs lists, with the CPUs lscpu places on each, their memory and distances', async () => {
    const nodeIds = readdirSync('/sys/devices/system/node').filter((n) => /^node\d+$/.test(n)).map((n) => Number(n.slice(4))).sort((a, b) => a - b);
    const nodes = wire.numa.nodes as WireInventory[];
    expect(nodes.map((n) => n.id)).toEqual(nodeIds);
    const placement = (await stdout('lscpu', ['-p=CPU,NODE'])).split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(',').map(Number));
    for (const node of nodes) {
      expect(node.cpus, `node ${node.id} CPUs`).toEqual(placement.filter(([, n]) => n === node.id).map(([cpu]) => cpu));
      expect(node.distances, `node ${node.id} distances`).toEqual((sysfs(`/sys/devices/system/node/node${node.id}/distance`) ?? '').split(/\s+/).map(Number));
      // A balloon driver may move memory between the two reads: close, not equal.
      const kib = Number(/MemTotal:\s+(\d+) kB/.exec(sysfs(`/sys/devices/system/node/node${node.id}/meminfo`) ?? '')?.[1]);
      expect(Math.abs(node.memory_bytes - kib * 1024), `node ${node.id} memory`).toBeLessThan(kib * 1024 * 0.1);
    }
    expect(nodes.reduce((sum, n) => sum + n.cpus.length, 0)).toBe(placement.length);
  });

  it('gives each NIC on a bus the driver, firmware and PCI address ethtool -i reports, and none to software links', async () => {
    let hardware = 0;
    for (const nic of wire.interfaces as WireInventory[]) {
      if (!existsSync(`/sys/class/net/${nic.name}/device`)) {
        expect(nic, `${nic.name} is a software link`).not.toHaveProperty('driver');
        continue;
      }
      hardware++;
      const info = Object.fromEntries((await stdout('ethtool', ['-i', nic.name])).split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
      expect(nic.driver, `${nic.name} driver`).toBe(info.driver);
      expect(nic.driver_version, `${nic.name} version`).toBe(info.version || undefined);
      expect(nic.firmware_version, `${nic.name} firmware`).toBe(info['firmware-version'] && info['firmware-version'] !== 'N/A' ? info['firmware-version'] : undefined);
      if (/^[0-9a-f]{4}:/.test(info['bus-info'] ?? '')) expect(nic.pci_address, `${nic.name} PCI address`).toBe(info['bus-info']);
    }
    expect(hardware).toBeGreaterThan(0);
  });

  it('gives each disk the NUMA node of the PCI function it hangs off, and the firmware revision sysfs has', () => {
    for (const disk of wire.disks as WireInventory[]) {
      const address = realpathSync(`/sys/block/${disk.name}`).split('/').filter((p) => /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(p)).at(-1);
      const node = address === undefined ? undefined : Number(sysfs(`/sys/bus/pci/devices/${address}/numa_node`));
      expect(disk.numa_node, `${disk.name} NUMA node`).toBe(node === undefined || node < 0 ? undefined : node);
      const firmware = sysfs(`/sys/block/${disk.name}/device/firmware_rev`) || sysfs(`/sys/block/${disk.name}/device/rev`) || undefined;
      expect(disk.firmware_version, `${disk.name} firmware`).toBe(firmware);
    }
  });

  it('reports the CPU microcode of /proc/cpuinfo, and BIOS and BMC firmware only where they can be read', () => {
    const microcode = /^microcode\s*:\s*(\S+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    expect(wire.firmware?.cpu_microcode).toBe(microcode);
    const biosVersion = sysfs('/sys/class/dmi/id/bios_version');
    expect(wire.firmware?.bios?.version).toBe(biosVersion || undefined);
    if (!['/dev/ipmi0', '/dev/ipmi/0', '/dev/ipmidev/0'].some(existsSync)) expect(wire.firmware?.bmc).toBeUndefined();
  });
});
