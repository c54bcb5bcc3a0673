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
const memory = object({ physical_bytes: integer, usable_bytes: integer, physical_bytes_method: string });
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
  gpus: arrayOf(object({ vendor: string, vendor_id: string, device_id: string, name: string, address: string })),
  routes: arrayOf(route),
  tpm_version: string,
  truncation: object({ type: string, reasons: strings }),
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
