/**
 * The upstream Inventory model (swagger `inventory` and the definitions it refers to), as this
 * agent builds it. Every scalar is always set here; `encodeInventory` leaves out the zero values the
 * way go-swagger's omitempty does, so "" and 0 and false below mean "not on the wire".
 * Arrays that upstream can send as null are typed `| null`.
 */

import type {
  DiskExtensions, GpuExtensions, InterfaceExtensions, InventoryExtensions, MemoryExtensions,
} from './extensions.js';

export interface Cpu {
  architecture: string;
  count: number;
  flags: string[] | null;
  frequency: number;
  model_name: string;
}

export type MemoryMethod = 'dmidecode' | 'ghw' | 'meminfo';

export interface Memory extends MemoryExtensions {
  physical_bytes: number;
  physical_bytes_method: MemoryMethod | '';
  usable_bytes: number;
}

export type SecureBootState = 'Unknown' | 'NotSupported' | 'Enabled' | 'Disabled';

export interface Boot {
  command_line: string;
  current_boot_mode: string;
  device_type: 'persistent' | 'ephemeral' | '';
  pxe_interface: string;
  secure_boot_state: SecureBootState | '';
}

export type DriveType =
  | 'Unknown'
  | 'HDD'
  | 'FDD'
  | 'ODD'
  | 'SSD'
  | 'virtual'
  | 'Multipath'
  | 'iSCSI'
  | 'FC'
  | 'LVM'
  | 'RAID'
  | 'ECKD'
  | 'ECKD (ESE)'
  | 'FBA';

export interface DiskInstallationEligibility {
  eligible: boolean;
  /** null when eligible: upstream's nil slice. */
  not_eligible_reasons: string[] | null;
}

export interface Disk extends DiskExtensions {
  bootable: boolean;
  by_id: string;
  by_path: string;
  drive_type: DriveType;
  has_uuid: boolean;
  hctl: string;
  holders: string;
  id: string;
  installation_eligibility: DiskInstallationEligibility;
  is_installation_media: boolean;
  iscsi?: { host_ip_address: string };
  model: string;
  name: string;
  path: string;
  removable: boolean;
  serial: string;
  size_bytes: number;
  vendor: string;
  wwn: string;
}

export interface Interface extends InterfaceExtensions {
  biosdevname: string;
  client_id: string;
  flags: string[];
  has_carrier: boolean;
  ipv4_addresses: string[];
  ipv6_addresses: string[];
  mac_address: string;
  mtu: number;
  name: string;
  product: string;
  speed_mbps: number;
  type: string;
  vendor: string;
}

export interface Route {
  destination: string;
  /** Linux address family numbers: 2 (AF_INET) or 10 (AF_INET6). */
  family: number;
  gateway: string;
  interface: string;
  metric: number;
}

export interface SystemVendor {
  manufacturer: string;
  product_name: string;
  serial_number: string;
  virtual: boolean;
}

export interface Gpu extends GpuExtensions {
  address: string;
  device_id: string;
  name: string;
  vendor: string;
  vendor_id: string;
}

export interface Inventory extends InventoryExtensions {
  bmc_address: string;
  bmc_v6address: string;
  boot: Boot;
  cpu: Cpu;
  disks: Disk[];
  gpus: Gpu[];
  hostname: string;
  interfaces: Interface[];
  memory: Memory;
  routes: Route[];
  system_vendor: SystemVendor;
  tpm_version: string;
}
