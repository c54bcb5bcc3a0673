/**
 * What the fleet commands read from a host's inventory, taken defensively: the inventory is text an
 * agent sent (the service checked its types, but the CLI may face another service, or an older
 * one), so every field is checked here and a missing or odd one is just absent.
 */

type Raw = Record<string, unknown>;

const record = (v: unknown): Raw => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const list = (v: unknown): Raw[] => (Array.isArray(v) ? v.map(record) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const texts = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const ints = (v: unknown): number[] => (Array.isArray(v) ? v.filter((n): n is number => typeof n === 'number' && Number.isInteger(n)) : []);

export interface NeighbourView {
  systemName: string;
  chassisId: string;
  portId: string;
  portDescription: string;
  nativeVlan?: number;
  vlans: string[];
  managementAddresses: string[];
  seenAt: string;
  ttlSeconds?: number;
}

export interface NicView {
  name: string;
  mac: string;
  /** Addresses without their prefix length. */
  addresses: string[];
  vendorId: string;
  productId: string;
  driver: string;
  driverVersion: string;
  firmware: string;
  pciAddress: string;
  numaNode?: number;
  neighbours: NeighbourView[];
}

export interface PciView {
  address: string;
  className: string;
  vendorName: string;
  deviceName: string;
  vendorId: string;
  deviceId: string;
  driver: string;
  iommuGroup?: number;
  numaNode?: number;
  sriovTotalVfs?: number;
  sriovNumVfs?: number;
}

export interface InventoryView {
  hostname: string;
  manufacturer: string;
  product: string;
  serial: string;
  bmcAddress: string;
  cpuModel: string;
  nics: NicView[];
  disks: { name: string; model: string; serial: string; firmware: string; numaNode?: number }[];
  gpus: { address: string; name: string; vbios: string; numaNode?: number }[];
  modules: { locator: string; bankLocator: string; sizeBytes?: number; type: string; speedMts?: number; manufacturer: string; partNumber: string; serial: string }[];
  moduleSlots?: number;
  numaNodes: { id?: number; cpus: number[]; memoryBytes?: number; distances: number[] }[];
  pciDevices: PciView[];
  bios: { vendor: string; version: string; releaseDate: string } | undefined;
  bmc: { version: string; manufacturer: string } | undefined;
  microcode: string;
}

export function readInventory(inventoryText: unknown): InventoryView | undefined {
  if (typeof inventoryText !== 'string' || inventoryText === '') return undefined;
  let raw: Raw;
  try {
    raw = record(JSON.parse(inventoryText));
  } catch {
    return undefined;
  }
  const vendor = record(raw.system_vendor);
  const memory = record(raw.memory);
  const firmware = record(raw.firmware);
  const bios = record(firmware.bios);
  const bmc = record(firmware.bmc);
  return {
    hostname: text(raw.hostname),
    manufacturer: text(vendor.manufacturer),
    product: text(vendor.product_name),
    serial: text(vendor.serial_number),
    bmcAddress: text(raw.bmc_address),
    cpuModel: text(record(raw.cpu).model_name),
    nics: list(raw.interfaces).map((nic) => ({
      name: text(nic.name),
      mac: text(nic.mac_address),
      addresses: [...texts(nic.ipv4_addresses), ...texts(nic.ipv6_addresses)].map((a) => a.replace(/\/\d+$/, '')),
      vendorId: text(nic.vendor),
      productId: text(nic.product),
      driver: text(nic.driver),
      driverVersion: text(nic.driver_version),
      firmware: text(nic.firmware_version),
      pciAddress: text(nic.pci_address),
      numaNode: int(nic.numa_node),
      neighbours: list(nic.lldp).map((n) => ({
        systemName: text(n.system_name),
        chassisId: text(n.chassis_id),
        portId: text(n.port_id),
        portDescription: text(n.port_description),
        nativeVlan: int(n.native_vlan),
        vlans: list(n.vlans).map((v) => `${int(v.id) ?? '?'}${text(v.name) ? ` ${text(v.name)}` : ''}`),
        managementAddresses: texts(n.management_addresses),
        seenAt: text(n.seen_at),
        ttlSeconds: int(n.ttl_seconds),
      })),
    })),
    disks: list(raw.disks).map((d) => ({ name: text(d.name), model: text(d.model), serial: text(d.serial), firmware: text(d.firmware_version), numaNode: int(d.numa_node) })),
    gpus: list(raw.gpus).map((g) => ({ address: text(g.address), name: text(g.name), vbios: text(g.vbios_version), numaNode: int(g.numa_node) })),
    modules: list(memory.modules).map((m) => ({
      locator: text(m.locator),
      bankLocator: text(m.bank_locator),
      sizeBytes: int(m.size_bytes),
      type: text(m.type),
      speedMts: int(m.speed_mts),
      manufacturer: text(m.manufacturer),
      partNumber: text(m.part_number),
      serial: text(m.serial_number),
    })),
    moduleSlots: int(memory.module_slots),
    numaNodes: list(record(raw.numa).nodes).map((n) => ({ id: int(n.id), cpus: ints(n.cpus), memoryBytes: int(n.memory_bytes), distances: ints(n.distances) })),
    pciDevices: list(raw.pci_devices).map((p) => ({
      address: text(p.address),
      className: text(p.class_name),
      vendorName: text(p.vendor_name),
      deviceName: text(p.device_name),
      vendorId: text(p.vendor_id),
      deviceId: text(p.device_id),
      driver: text(p.driver),
      iommuGroup: int(p.iommu_group),
      numaNode: int(p.numa_node),
      sriovTotalVfs: int(p.sriov_total_vfs),
      sriovNumVfs: int(p.sriov_num_vfs),
    })),
    bios: text(bios.version) || text(bios.vendor) ? { vendor: text(bios.vendor), version: text(bios.version), releaseDate: text(bios.release_date) } : undefined,
    bmc: text(bmc.firmware_version) ? { version: text(bmc.firmware_version), manufacturer: text(bmc.manufacturer) } : undefined,
    microcode: text(firmware.cpu_microcode),
  };
}

/** The host as the fleet commands see it: its IDs, and its inventory when it has one. */
export interface FleetHost {
  id: string;
  infraEnvId: string;
  status: string;
  inventory: InventoryView | undefined;
}

export function fleetHost(wire: Record<string, unknown>): FleetHost {
  return { id: text(wire.id), infraEnvId: text(wire.infra_env_id), status: text(wire.status), inventory: readInventory(wire.inventory) };
}

/** The host's name for a person: its hostname, else its ID. */
export function hostLabel(host: FleetHost): string {
  return host.inventory?.hostname || host.id;
}
