import { describe, expect, it } from 'vitest';
import type { StepReply } from '../../protocol/models.js';
import { applyStepReply, ReplyFormatError } from './replies.js';
import { makeHost, NOW } from './test-support.js';
import { INVENTORY_CAPS } from '../limits.js';
import { extendedInventory, neighbour } from '../../../test/support/extended-inventory.js';
import { withoutNulls } from '../../../test/support/go-null.js';

const reply = (inventory: unknown): StepReply => ({ step_type: 'inventory', step_id: 'inventory-1', exit_code: 0, output: JSON.stringify(inventory) });

const sample = () =>
  extendedInventory({
    hostname: 'r12-n07',
    serial: 'SN-R12-07',
    nics: [{ name: 'ens1f0', mac: '3c:fd:fe:00:00:07', ipv4: ['192.0.2.7/24'], driver: 'i40e', firmware: '9.20 0x8000d95e 22.0.9', switchName: 'leaf-r12', switchPort: 'Ethernet1/7', portDescription: 'r12-n07 ens1f0', pciAddress: '0000:3b:00.0', numaNode: 0 }],
    disks: [{ name: 'nvme0n1', serial: 'S4EVNX0R100001', model: 'SAMSUNG MZQLB960HAJR', firmware: 'EDA5402Q' }],
    gpus: [{ address: '0000:af:00.0', name: 'GA100 [A100 PCIe 40GB]', vbios: '92.00.25.00.08' }],
    bios: '1.9.2',
    bmc: '6.10.30.00',
    microcode: '0xd0003a5',
  });

function stored(inventory: unknown): Record<string, any> {
  return JSON.parse(applyStepReply(makeHost(), reply(inventory), NOW).inventory ?? '{}');
}

describe('the service keeps inband inventory extensions as sent', () => {
  it('stores neighbours, drivers, firmware, PCI addresses, NUMA nodes, modules and firmware unchanged', () => {
    const sent = sample();
    const kept = stored(sent);
    const expected = withoutNulls(sent) as Record<string, any>;
    expect(kept.interfaces[0]).toMatchObject(expected.interfaces[0]);
    expect(kept.interfaces[0].lldp).toEqual(expected.interfaces[0].lldp);
    expect(kept.disks[0].firmware_version).toBe('EDA5402Q');
    expect(kept.disks[0].numa_node).toBe(0);
    expect(kept.gpus).toEqual(expected.gpus);
    expect(kept.memory.modules).toEqual(expected.memory.modules);
    expect(kept.memory.module_slots).toBe(16);
    expect(kept.numa).toEqual(expected.numa);
    expect(kept.pci_devices).toEqual(expected.pci_devices);
    expect(kept.pci_devices[1]).not.toHaveProperty('iommu_group');
    expect(kept.pci_devices[2].physical_function).toBe('0000:3b:00.0');
    expect(kept.firmware).toEqual({ bios: { vendor: 'Dell Inc.', version: '1.9.2', release_date: '01/15/2026' }, bmc: { firmware_version: '6.10.30.00', manufacturer: 'Dell Inc.', ipmi_version: '2.0' }, cpu_microcode: '0xd0003a5' });
    expect(kept.truncation).toBeUndefined();
  });

  it('refuses an extension of the wrong type with 400 like any other field', () => {
    for (const broken of [
      { ...sample(), pci_devices: 'all of them' },
      { ...sample(), numa: { nodes: [{ id: '0' }] } },
      { ...sample(), firmware: { bios: { version: 1 } } },
      { ...sample(), memory: { ...sample().memory, modules: [{ size_bytes: 1.5 }] } },
    ]) {
      expect(() => applyStepReply(makeHost(), reply(broken), NOW)).toThrow(ReplyFormatError);
    }
  });

  it('cuts oversized extension lists to their caps and says so in truncation', () => {
    const big = sample() as Record<string, any>;
    const device = big.pci_devices[0];
    big.pci_devices = Array.from({ length: INVENTORY_CAPS.pciDevices + 10 }, (_, i) => ({ ...device, address: `0000:${i.toString(16)}` }));
    big.memory.modules = Array.from({ length: 5000 }, () => big.memory.modules[0]);
    big.numa.nodes = Array.from({ length: 300 }, (_, id) => ({ id, cpus: id === 0 ? Array.from({ length: 9000 }, (_, c) => c) : [id], memory_bytes: 1, distances: Array.from({ length: 300 }, () => 10) }));
    const nic = big.interfaces[0];
    nic.lldp = Array.from({ length: 40 }, (_, i) => ({ ...neighbour('leaf', `Ethernet1/${i}`), vlans: Array.from({ length: 1000 }, (_, v) => ({ id: v, name: `v${v}` })), management_addresses: Array.from({ length: 100 }, () => '192.0.2.1') }));
    const kept = stored(big);
    expect(kept.pci_devices).toHaveLength(INVENTORY_CAPS.pciDevices);
    expect(kept.memory.modules).toHaveLength(INVENTORY_CAPS.memoryModules);
    expect(kept.numa.nodes).toHaveLength(INVENTORY_CAPS.numaNodes);
    expect(kept.numa.nodes[0].cpus).toHaveLength(INVENTORY_CAPS.cpusPerNumaNode);
    expect(kept.numa.nodes[1].distances).toHaveLength(INVENTORY_CAPS.numaNodes);
    expect(kept.interfaces[0].lldp).toHaveLength(INVENTORY_CAPS.lldpNeighborsPerInterface);
    expect(kept.interfaces[0].lldp[0].vlans).toHaveLength(INVENTORY_CAPS.vlansPerNeighbor);
    expect(kept.interfaces[0].lldp[15].management_addresses).toHaveLength(INVENTORY_CAPS.managementAddressesPerNeighbor);
    expect(kept.truncation.type).toBe('partial');
    expect(kept.truncation.reasons).toEqual([
      `service: pci devices: ${INVENTORY_CAPS.pciDevices + 10} reported, the first ${INVENTORY_CAPS.pciDevices} kept`,
      `service: memory modules: 5000 reported, the first ${INVENTORY_CAPS.memoryModules} kept`,
      `service: numa nodes: 300 reported, the first ${INVENTORY_CAPS.numaNodes} kept`,
      `service: lldp neighbours per interface: cut to ${INVENTORY_CAPS.lldpNeighborsPerInterface} on 1 entry`,
      `service: vlans per lldp neighbour: cut to ${INVENTORY_CAPS.vlansPerNeighbor} on ${INVENTORY_CAPS.lldpNeighborsPerInterface} entries`,
      `service: management addresses per lldp neighbour: cut to ${INVENTORY_CAPS.managementAddressesPerNeighbor} on ${INVENTORY_CAPS.lldpNeighborsPerInterface} entries`,
      `service: cpus per numa node: cut to ${INVENTORY_CAPS.cpusPerNumaNode} on 1 entry`,
      `service: distances per numa node: cut to ${INVENTORY_CAPS.numaNodes} on ${INVENTORY_CAPS.numaNodes} entries`,
    ]);
  });
});
