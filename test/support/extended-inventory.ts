/**
 * Inventories with inband's extensions (src/inventory/extensions.ts), built by hand from the model
 * for tests of the service and the fleet commands: switch neighbours, NIC/disk/GPU firmware, NUMA,
 * PCI, memory modules, BIOS/BMC/microcode. Every value is given by the test or derived from it here.
 */
import type { LldpNeighbor } from '../../src/inventory/extensions.js';
import type { Disk, Gpu, Interface, Inventory } from '../../src/inventory/model.js';

export interface NicSpec {
  name: string;
  mac: string;
  ipv4?: string[];
  ipv6?: string[];
  driver?: string;
  firmware?: string;
  /** The switch this NIC is cabled to, and its port there. */
  switchName?: string;
  switchPort?: string;
  portDescription?: string;
  pciAddress?: string;
  numaNode?: number;
}

export interface HostSpec {
  hostname: string;
  serial: string;
  manufacturer?: string;
  product?: string;
  nics?: NicSpec[];
  disks?: { name: string; serial: string; model: string; firmware: string }[];
  gpus?: { address: string; name: string; vbios: string }[];
  bios?: string;
  bmc?: string;
  microcode?: string;
}

export function neighbour(switchName: string, port: string, description = ''): LldpNeighbor {
  return {
    chassis_id: `00:1b:21:${switchName.length.toString(16).padStart(2, '0')}:00:01`,
    chassis_id_subtype: 'mac',
    port_id: port,
    port_id_subtype: 'ifname',
    port_description: description,
    system_name: switchName,
    system_description: 'Test switch OS 1.0',
    management_addresses: ['192.0.2.250'],
    native_vlan: 100,
    vlans: [{ id: 100, name: 'provisioning' }],
    ttl_seconds: 120,
    seen_at: '2026-12-03T10:00:00Z',
    source: 'listener',
  };
}

function nic(spec: NicSpec): Interface {
  return {
    biosdevname: '',
    client_id: '',
    flags: ['up', 'broadcast', 'multicast', 'running'],
    has_carrier: true,
    ipv4_addresses: spec.ipv4 ?? [],
    ipv6_addresses: spec.ipv6 ?? [],
    mac_address: spec.mac,
    mtu: 1500,
    name: spec.name,
    product: '0x1572',
    speed_mbps: 10000,
    type: 'physical',
    vendor: '0x8086',
    ...(spec.switchName && { lldp: [neighbour(spec.switchName, spec.switchPort ?? '', spec.portDescription)] }),
    ...(spec.driver && { driver: spec.driver, driver_version: '6.1.0' }),
    ...(spec.firmware && { firmware_version: spec.firmware }),
    ...(spec.pciAddress && { pci_address: spec.pciAddress }),
    ...(spec.numaNode !== undefined && { numa_node: spec.numaNode }),
  };
}

function disk(spec: NonNullable<HostSpec['disks']>[number], index: number): Disk {
  return {
    bootable: false,
    by_id: `/dev/disk/by-id/nvme-${spec.model}_${spec.serial}`,
    by_path: `/dev/disk/by-path/pci-0000:5e:00.${index}-nvme-1`,
    drive_type: 'SSD',
    has_uuid: false,
    hctl: '',
    holders: '',
    id: `/dev/disk/by-id/nvme-${spec.model}_${spec.serial}`,
    installation_eligibility: { eligible: true, not_eligible_reasons: null },
    is_installation_media: false,
    model: spec.model,
    name: spec.name,
    path: `/dev/${spec.name}`,
    removable: false,
    serial: spec.serial,
    size_bytes: 960_197_124_096,
    vendor: '',
    wwn: '',
    firmware_version: spec.firmware,
    numa_node: index % 2,
  };
}

function gpu(spec: NonNullable<HostSpec['gpus']>[number]): Gpu {
  return { address: spec.address, device_id: '20b5', name: spec.name, vendor: 'NVIDIA Corporation', vendor_id: '10de', numa_node: 1, vbios_version: spec.vbios };
}

/** A whole inventory in upstream's shape plus every extension section. */
export function extendedInventory(spec: HostSpec): Inventory {
  const nics = spec.nics ?? [];
  return {
    bmc_address: '192.0.2.200',
    bmc_v6address: '::/0',
    boot: { command_line: 'BOOT_IMAGE=/vmlinuz', current_boot_mode: 'uefi', device_type: 'persistent', pxe_interface: '', secure_boot_state: 'Disabled' },
    cpu: { architecture: 'x86_64', count: 64, flags: ['fpu', 'vme'], frequency: 2100, model_name: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz' },
    disks: (spec.disks ?? []).map(disk),
    gpus: (spec.gpus ?? []).map(gpu),
    hostname: spec.hostname,
    interfaces: nics.map(nic),
    memory: {
      physical_bytes: 2 * 68_719_476_736,
      physical_bytes_method: 'dmidecode',
      usable_bytes: 2 * 68_000_000_000,
      modules: ['A1', 'B1'].map((slot, i) => ({
        locator: `DIMM_${slot}`,
        bank_locator: `NODE ${i}`,
        size_bytes: 68_719_476_736,
        type: 'DDR4',
        form_factor: 'DIMM',
        speed_mts: 3200,
        configured_speed_mts: 2933,
        manufacturer: 'Samsung',
        part_number: 'M393A8G40AB2-CWE',
        serial_number: `${spec.serial}-${slot}`,
      })),
      module_slots: 16,
    },
    routes: [{ destination: '0.0.0.0', family: 2, gateway: '192.0.2.1', interface: nics[0]?.name ?? 'eth0', metric: 100 }],
    system_vendor: { manufacturer: spec.manufacturer ?? 'Dell Inc.', product_name: spec.product ?? 'PowerEdge R650', serial_number: spec.serial, virtual: false },
    tpm_version: '2.0',
    numa: {
      nodes: [
        { id: 0, cpus: [0, 1, 2, 3], memory_bytes: 68_719_476_736, distances: [10, 21] },
        { id: 1, cpus: [4, 5, 6, 7], memory_bytes: 68_719_476_736, distances: [21, 10] },
      ],
    },
    pci_devices: [
      ...nics.filter((n) => n.pciAddress).map((n) => ({
        address: n.pciAddress as string,
        class_id: '0200',
        class_name: 'Ethernet controller',
        vendor_id: '8086',
        vendor_name: 'Intel Corporation',
        device_id: '1572',
        device_name: 'Ethernet Controller X710 for 10GbE SFP+',
        subsystem_vendor_id: '8086',
        subsystem_device_id: '0007',
        driver: n.driver ?? '',
        iommu_group: 40,
        ...(n.numaNode !== undefined && { numa_node: n.numaNode }),
        sriov_total_vfs: 64,
        sriov_num_vfs: 0,
      })),
      {
        address: '0000:00:1f.0',
        class_id: '0601',
        class_name: 'ISA bridge',
        vendor_id: '8086',
        vendor_name: 'Intel Corporation',
        device_id: 'a1cb',
        device_name: 'C621 Series Chipset LPC/eSPI Controller',
        subsystem_vendor_id: '1028',
        subsystem_device_id: '0a6b',
        driver: '',
      },
      {
        address: '0000:3b:02.0',
        class_id: '0200',
        class_name: 'Ethernet controller',
        vendor_id: '8086',
        vendor_name: 'Intel Corporation',
        device_id: '154c',
        device_name: 'Ethernet Virtual Function 700 Series',
        subsystem_vendor_id: '8086',
        subsystem_device_id: '0000',
        driver: 'iavf',
        iommu_group: 90,
        numa_node: 0,
        physical_function: '0000:3b:00.0',
      },
    ],
    firmware: {
      ...(spec.bios && { bios: { vendor: 'Dell Inc.', version: spec.bios, release_date: '01/15/2026' } }),
      ...(spec.bmc && { bmc: { firmware_version: spec.bmc, manufacturer: 'Dell Inc.', ipmi_version: '2.0' } }),
      ...(spec.microcode && { cpu_microcode: spec.microcode }),
    },
  };
}
