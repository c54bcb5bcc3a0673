// The inventory beyond upstream's: switch ports, NUMA, PCI, memory modules, firmware.
// Every field here is optional and lives beside upstream's own, under names upstream does not use,
// because the upstream service decodes the inventory into its Go struct and drops what it does not
// know: our inventory stays acceptable to it unchanged. Field names are snake_case like upstream's.

/** IEEE 802.1AB chassis/port ID subtypes, by name (lldpcli's vocabulary). */
export type LldpIdSubtype =
  | 'chassis-component' | 'interface-alias' | 'port-component' | 'mac' | 'ip'
  | 'ifname' | 'local' | 'agent-circuit-id' | 'unknown';

export interface LldpVlan {
  id: number;
  name: string;
}

export interface LldpLinkAggregation {
  capable: boolean;
  enabled: boolean;
  /** Aggregated port ID; 0 when not aggregated. */
  port_id: number;
}

/** One neighbour seen on one interface: the latest frame from that chassis and port. */
export interface LldpNeighbor {
  chassis_id: string;
  chassis_id_subtype: LldpIdSubtype;
  port_id: string;
  port_id_subtype: LldpIdSubtype;
  port_description: string;
  system_name: string;
  system_description: string;
  management_addresses: string[];
  /** 802.1 Port VLAN ID (the native VLAN); absent when not sent. */
  native_vlan?: number;
  vlans: LldpVlan[];
  link_aggregation?: LldpLinkAggregation;
  /** 802.3 maximum frame size; absent when not sent. */
  max_frame_size?: number;
  ttl_seconds: number;
  /**
   * RFC 3339 time the neighbour's current advertisement was first received (lldpd's "age" counts
   * the same way). Refreshes of an unchanged frame keep it, so an inventory does not change with
   * every frame; a neighbour whose TTL ran out is not listed at all.
   */
  seen_at: string;
  source: 'lldpd' | 'listener';
}

/** Additions to upstream's Interface. */
export interface InterfaceExtensions {
  lldp?: LldpNeighbor[];
  driver?: string;
  driver_version?: string;
  firmware_version?: string;
  pci_address?: string;
  numa_node?: number;
}

/** Additions to upstream's Disk. */
export interface DiskExtensions {
  firmware_version?: string;
  numa_node?: number;
}

/** Additions to upstream's Gpu. */
export interface GpuExtensions {
  numa_node?: number;
  vbios_version?: string;
}

export interface NumaNode {
  id: number;
  cpus: number[];
  memory_bytes: number;
  /** Distances to every node, in node-ID order, as /sys/devices/system/node/nodeN/distance. */
  distances: number[];
}

export interface Numa {
  nodes: NumaNode[];
}

export interface PciDevice {
  /** Domain:bus:device.function, e.g. 0000:3b:00.0. */
  address: string;
  class_id: string;
  class_name: string;
  vendor_id: string;
  vendor_name: string;
  device_id: string;
  device_name: string;
  subsystem_vendor_id: string;
  subsystem_device_id: string;
  /** The bound kernel driver; "" (not on the wire) when none is bound. */
  driver: string;
  /** Absent without an IOMMU (or with it off). */
  iommu_group?: number;
  /** Absent where the kernel reports -1 (no NUMA affinity, or a single-node host without ACPI SRAT). */
  numa_node?: number;
  /** SR-IOV capacity and VFs in use; absent on devices without SR-IOV. */
  sriov_total_vfs?: number;
  sriov_num_vfs?: number;
  /** On an SR-IOV virtual function: the address of its physical function (sysfs `physfn`). */
  physical_function?: string;
}

export interface MemoryModule {
  locator: string;
  bank_locator: string;
  size_bytes: number;
  /** DDR4, DDR5, … as dmidecode names it. */
  type: string;
  form_factor: string;
  speed_mts: number;
  configured_speed_mts: number;
  manufacturer: string;
  part_number: string;
  serial_number: string;
}

/** Additions to upstream's Memory. */
export interface MemoryExtensions {
  modules?: MemoryModule[];
  /** Every slot dmidecode lists, populated or not. */
  module_slots?: number;
}

export interface BiosFirmware {
  vendor: string;
  version: string;
  /** As the firmware reports it (dmidecode's MM/DD/YYYY). */
  release_date: string;
}

export interface BmcFirmware {
  firmware_version: string;
  manufacturer: string;
  ipmi_version: string;
}

/** Firmware of the components that are not listed elsewhere; NICs, disks and GPUs carry theirs. */
export interface Firmware {
  bios?: BiosFirmware;
  bmc?: BmcFirmware;
  cpu_microcode?: string;
}

/**
 * Where every extension field sits in the inventory, as paths (keys joined by ".", array elements
 * as "[]"): what tests of upstream's fields set aside, and what must never collide with a name
 * upstream's swagger uses.
 */
export const EXTENSION_FIELDS: ReadonlySet<string> = new Set([
  'numa',
  'pci_devices',
  'firmware',
  'memory.modules',
  'memory.module_slots',
  'interfaces[].lldp',
  'interfaces[].driver',
  'interfaces[].driver_version',
  'interfaces[].firmware_version',
  'interfaces[].pci_address',
  'interfaces[].numa_node',
  'disks[].firmware_version',
  'disks[].numa_node',
  'gpus[].numa_node',
  'gpus[].vbios_version',
]);

/**
 * The extension fields whose zero is a value, not "unset" (node 0, IOMMU group 0, no VFs in use):
 * Go would declare them as pointers, so the encoder keeps a 0 there where it drops upstream's zeros.
 * Paths as `encodeGoJson`'s keepZero sees them: keys joined by ".", array elements as "[]".
 */
export const ZERO_IS_A_VALUE: ReadonlySet<string> = new Set([
  'interfaces[].numa_node',
  'disks[].numa_node',
  'gpus[].numa_node',
  'numa.nodes[].id',
  'numa.nodes[].memory_bytes',
  'pci_devices[].iommu_group',
  'pci_devices[].numa_node',
  'pci_devices[].sriov_total_vfs',
  'pci_devices[].sriov_num_vfs',
  'memory.module_slots',
]);

/** Additions to upstream's Inventory (top level). */
export interface InventoryExtensions {
  numa?: Numa;
  pci_devices?: PciDevice[];
  firmware?: Firmware;
}

/** A vendor-neutral component row for fleet databases (`inband inventory --components`). */
export type ComponentType = 'bios' | 'bmc' | 'cpu' | 'memory' | 'disk' | 'nic' | 'gpu' | 'pci';

export interface Component {
  type: ComponentType;
  /** Where it sits: DIMM locator, PCI address, disk name, socket. */
  slot: string;
  vendor: string;
  model: string;
  serial: string;
  firmware: string;
}
