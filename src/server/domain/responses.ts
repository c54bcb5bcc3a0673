/**
 * The swagger response models of the step outputs the service reads, as decoders (json-shape.ts).
 * Field lists follow the swagger definitions of the same names; the types derived from them are
 * what validations read back from the stored JSON.
 */
import { REPLY_LIST_CAPS as CAP } from '../limits.js';
import { arrayOf, boolean, type Decoder, integer, number, object, string } from './json-shape.js';

type Of<D> = D extends Decoder<infer T> ? T : never;

// Inventory lists are cut to INVENTORY_CAPS before decoding (inventory-caps.ts); the lists of
// other replies answer requests whose size the service chose, so a longer one is refused.
const strings = arrayOf(string);
const cappedStrings = (max: number) => arrayOf(string, max);

// ---- inventory

const cpu = object({ count: integer, frequency: number, flags: strings, model_name: string, architecture: string });

// inband's extensions (src/inventory/extensions.ts): decoded so they are stored and shown as sent;
// their lists are cut to INVENTORY_CAPS beforehand like upstream's.
const lldpNeighbor = object({
  chassis_id: string,
  chassis_id_subtype: string,
  port_id: string,
  port_id_subtype: string,
  port_description: string,
  system_name: string,
  system_description: string,
  management_addresses: strings,
  native_vlan: integer,
  vlans: arrayOf(object({ id: integer, name: string })),
  link_aggregation: object({ capable: boolean, enabled: boolean, port_id: integer }),
  max_frame_size: integer,
  ttl_seconds: integer,
  seen_at: string,
  source: string,
});
const memoryModule = object({
  locator: string,
  bank_locator: string,
  size_bytes: integer,
  type: string,
  form_factor: string,
  speed_mts: integer,
  configured_speed_mts: integer,
  manufacturer: string,
  part_number: string,
  serial_number: string,
});
const pciDevice = object({
  address: string,
  class_id: string,
  class_name: string,
  vendor_id: string,
  vendor_name: string,
  device_id: string,
  device_name: string,
  subsystem_vendor_id: string,
  subsystem_device_id: string,
  driver: string,
  iommu_group: integer,
  numa_node: integer,
  sriov_total_vfs: integer,
  sriov_num_vfs: integer,
  physical_function: string,
});
const numa = object({ nodes: arrayOf(object({ id: integer, cpus: arrayOf(integer), memory_bytes: integer, distances: arrayOf(integer) })) });
const firmware = object({
  bios: object({ vendor: string, version: string, release_date: string }),
  bmc: object({ firmware_version: string, manufacturer: string, ipmi_version: string }),
  cpu_microcode: string,
});

const memory = object({
  physical_bytes: integer,
  usable_bytes: integer,
  physical_bytes_method: string,
  modules: arrayOf(memoryModule),
  module_slots: integer,
});
const disk = object({
  id: string,
  drive_type: string,
  has_uuid: boolean,
  vendor: string,
  name: string,
  path: string,
  hctl: string,
  by_path: string,
  by_id: string,
  model: string,
  wwn: string,
  serial: string,
  size_bytes: integer,
  bootable: boolean,
  removable: boolean,
  partitionTypes: string,
  is_installation_media: boolean,
  installation_eligibility: object({ eligible: boolean, not_eligible_reasons: strings }),
  smart: string,
  io_perf: object({ sync_duration: integer }),
  holders: string,
  iscsi: object({ host_ip_address: string }),
  firmware_version: string,
  numa_node: integer,
});
const nic = object({
  ipv6_addresses: strings,
  vendor: string,
  name: string,
  has_carrier: boolean,
  product: string,
  mtu: integer,
  ipv4_addresses: strings,
  biosdevname: string,
  client_id: string,
  mac_address: string,
  flags: strings,
  speed_mbps: integer,
  type: string,
  lldp: arrayOf(lldpNeighbor),
  driver: string,
  driver_version: string,
  firmware_version: string,
  pci_address: string,
  numa_node: integer,
});
const route = object({ interface: string, gateway: string, destination: string, family: integer, metric: integer });

export const inventory = object({
  hostname: string,
  bmc_address: string,
  interfaces: arrayOf(nic),
  disks: arrayOf(disk),
  boot: object({ current_boot_mode: string, pxe_interface: string, command_line: string, secure_boot_state: string, device_type: string }),
  system_vendor: object({ serial_number: string, product_name: string, manufacturer: string, virtual: boolean }),
  bmc_v6address: string,
  memory,
  cpu,
  gpus: arrayOf(object({ vendor: string, vendor_id: string, device_id: string, name: string, address: string, numa_node: integer, vbios_version: string })),
  routes: arrayOf(route),
  tpm_version: string,
  truncation: object({ type: string, reasons: strings }),
  numa,
  pci_devices: arrayOf(pciDevice),
  firmware,
});
export type Inventory = Of<typeof inventory>;
export type InventoryDisk = Of<typeof disk>;
export type InventoryInterface = Of<typeof nic>;
export type InventoryRoute = Of<typeof route>;

// ---- connectivity-check

const remoteHost = object({
  host_id: string,
  l2_connectivity: arrayOf(
    object({ outgoing_nic: string, outgoing_ip_address: string, remote_ip_address: string, remote_mac: string, successful: boolean }),
    CAP.resultsPerRemoteHost,
  ),
  l3_connectivity: arrayOf(
    object({ outgoing_nic: string, remote_ip_address: string, successful: boolean, average_rtt_ms: number, packet_loss_percentage: number }),
    CAP.resultsPerRemoteHost,
  ),
  mtu_report: arrayOf(object({ outgoing_nic: string, remote_ip_address: string, mtu_successful: boolean }), CAP.resultsPerRemoteHost),
});
export const connectivityReport = object({ remote_hosts: arrayOf(remoteHost, CAP.remoteHosts) });
export type ConnectivityReport = Of<typeof connectivityReport>;
export type ConnectivityRemoteHost = Of<typeof remoteHost>;

// ---- the others

export const freeNetworksAddresses = arrayOf(object({ network: string, free_addresses: cappedStrings(CAP.freeAddressesPerNetwork) }), CAP.freeNetworks);
export type FreeNetworksAddresses = Of<typeof freeNetworksAddresses>;

const ntpSource = object({ source_name: string, source_state: string });
export const ntpSynchronizationResponse = object({ ntp_sources: arrayOf(ntpSource, CAP.ntpSources) });
/** What the host record keeps: upstream's host.ntp_sources is the list alone. */
export const ntpSources = arrayOf(ntpSource, CAP.ntpSources);
export type NtpSource = Of<typeof ntpSource>;

const resolved = cappedStrings(CAP.addressesPerResolution);
const resolution = object({ domain_name: string, ipv4_addresses: resolved, ipv6_addresses: resolved, cnames: resolved });
export const domainResolutionResponse = object({ resolutions: arrayOf(resolution, CAP.domainResolutions) });
export type DomainResolutionResponse = Of<typeof domainResolutionResponse>;

export const apiVipConnectivityResponse = object({ is_success: boolean, url: string, download_error: string, ignition: string });
export type ApiVipConnectivityResponse = Of<typeof apiVipConnectivityResponse>;

export const dhcpAllocationResponse = object({ api_vip_address: string, ingress_vip_address: string, api_vip_lease: string, ingress_vip_lease: string });
export type DhcpAllocationResponse = Of<typeof dhcpAllocationResponse>;

export const tangConnectivityResponse = object({
  is_success: boolean,
  tang_server_response: arrayOf(
    object({ tang_url: string, payload: string, signatures: arrayOf(object({ protected: string, signature: string }), CAP.generic) }),
    CAP.generic,
  ),
});

export const diskSpeedCheckResponse = object({ io_sync_duration: integer, path: string });

export const containerImageAvailabilityResponse = object({
  images: arrayOf(object({ name: string, size_bytes: number, time: number, download_rate: number, result: string }), CAP.images),
});

export const upgradeAgentResponse = object({ agent_image: string, result: string });

export const verifyVipsResponse = arrayOf(object({ vip: string, vip_type: string, verification: string }), CAP.generic);
