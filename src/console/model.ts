/** The operator API's models as the console reads them (upstream's `infra-env`, `host`, `event`). */

export interface InfraEnv {
  id: string;
  name: string;
  created_at: string;
  cpu_architecture?: string;
  ntp_sources?: string;
  additional_ntp_sources?: string;
  domains_to_resolve?: string[];
  api_vip_url?: string;
  ssh_authorized_key?: string;
  dhcp_allocation?: { interface: string; api_vip_mac: string; ingress_vip_mac: string };
  agent_token?: string;
  download_token_expires_at?: string;
  discovery_urls?: { ignition?: string; cloud_init?: string; ipxe_script?: string };
}

export type HostStatus = 'discovering' | 'known' | 'insufficient' | 'disconnected';

export interface Host {
  id: string;
  infra_env_id: string;
  status: HostStatus;
  status_info?: string;
  status_updated_at?: string;
  validations_info?: string;
  inventory?: string;
  logs_info?: string;
  logs_started_at?: string;
  logs_collected_at?: string;
  checked_in_at?: string;
  registered_at?: string;
  created_at?: string;
  updated_at?: string;
  discovery_agent_version?: string;
  step_errors?: Record<string, string>;
  media_status?: string;
  /** In the list's `view=summary` answer, instead of `inventory`. */
  inventory_summary?: InventorySummary;
}

/** What `GET …/hosts?view=summary` gives per host (src/server/host-summary.ts). */
export interface InventorySummary {
  hostname?: string;
  manufacturer?: string;
  product_name?: string;
  serial_number?: string;
  cpu_cores?: number;
  memory_bytes?: number;
  disks?: number;
  eligible_disks?: number;
  disk_serials?: string[];
  interfaces?: { name?: string; type?: string; mac_address?: string; addresses?: string[] }[];
  bmc_address?: string;
  bmc_v6address?: string;
}

export interface StepResult {
  step_id: string;
  step_type: string;
  exit_code: number;
  output: string;
  error: string;
  received_at: string;
}

export interface ServiceEvent {
  name: string;
  infra_env_id?: string;
  host_id?: string;
  severity: 'info' | 'warning' | 'error' | 'critical';
  message: string;
  event_time: string;
}

export interface Validation {
  id: string;
  status: 'success' | 'failure' | 'pending' | 'error' | 'disabled';
  message: string;
}

export interface Disk {
  name?: string;
  path?: string;
  size_bytes?: number;
  drive_type?: string;
  model?: string;
  vendor?: string;
  serial?: string;
  by_path?: string;
  by_id?: string;
  wwn?: string;
  hctl?: string;
  bootable?: boolean;
  removable?: boolean;
  is_installation_media?: boolean;
  installation_eligibility?: { eligible?: boolean; not_eligible_reasons?: string[] | null };
}

export interface Nic {
  name?: string;
  mac_address?: string;
  ipv4_addresses?: string[];
  ipv6_addresses?: string[];
  type?: string;
  mtu?: number;
  speed_mbps?: number;
  has_carrier?: boolean;
  vendor?: string;
  product?: string;
  biosdevname?: string;
}

export interface Inventory {
  hostname?: string;
  bmc_address?: string;
  bmc_v6address?: string;
  cpu?: { count?: number; model_name?: string; architecture?: string; frequency?: number; flags?: string[] };
  memory?: { physical_bytes?: number; usable_bytes?: number; physical_bytes_method?: string };
  disks?: Disk[];
  interfaces?: Nic[];
  routes?: { interface?: string; destination?: string; gateway?: string; family?: number; metric?: number }[];
  gpus?: { vendor?: string; name?: string; address?: string; device_id?: string; vendor_id?: string }[];
  system_vendor?: { manufacturer?: string; product_name?: string; serial_number?: string; virtual?: boolean };
  boot?: { current_boot_mode?: string; pxe_interface?: string; secure_boot_state?: string; device_type?: string; command_line?: string };
  tpm_version?: string;
  timestamp?: number;
}

export function parseJson<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** One row of the hosts table: the host reduced to what is shown, sorted and searched. */
export interface HostRow {
  id: string;
  infraEnvId: string;
  status: HostStatus;
  statusInfo: string;
  hostname: string;
  vendor: string;
  serial: string;
  cores: number;
  memoryBytes: number;
  eligibleDisks: number;
  disks: number;
  /** One line per NIC (loopback left out): name, MAC, addresses; `nics` joins them for sorting. */
  nicLines: string[];
  nics: string;
  bmc: string;
  checkedInAt: string;
  agentVersion: string;
  /** Lower-cased hostname, MACs, IPs and serials: what the free-text search looks in. */
  haystack: string;
}

/** The same summary the list view carries, from a full host's inventory (a host fetched on its own). */
export function summarise(inventory: Inventory | undefined): InventorySummary | undefined {
  if (!inventory) return undefined;
  const disks = inventory.disks ?? [];
  return {
    hostname: inventory.hostname,
    manufacturer: inventory.system_vendor?.manufacturer,
    product_name: inventory.system_vendor?.product_name,
    serial_number: inventory.system_vendor?.serial_number,
    cpu_cores: inventory.cpu?.count,
    memory_bytes: inventory.memory?.physical_bytes,
    disks: disks.length,
    eligible_disks: disks.filter((d) => d.installation_eligibility?.eligible === true).length,
    disk_serials: disks.flatMap((d) => (d.serial ? [d.serial] : [])),
    interfaces: (inventory.interfaces ?? []).map((n) => ({ name: n.name, type: n.type, mac_address: n.mac_address, addresses: [...(n.ipv4_addresses ?? []), ...(n.ipv6_addresses ?? [])] })),
    bmc_address: inventory.bmc_address,
    bmc_v6address: inventory.bmc_v6address,
  };
}

export function hostRow(host: Host): HostRow {
  const summary = host.inventory_summary ?? summarise(parseJson<Inventory>(host.inventory)) ?? {};
  const nics = (summary.interfaces ?? []).filter((n) => n.type !== 'loopback' && n.name !== 'lo');
  const nicLines = nics.map((n) => `${n.name ?? '?'} ${n.mac_address ?? ''} ${(n.addresses ?? []).join(' ')}`.trim());
  const serials = [summary.serial_number, ...(summary.disk_serials ?? [])].filter(Boolean);
  return {
    id: host.id,
    infraEnvId: host.infra_env_id,
    status: host.status,
    statusInfo: host.status_info ?? '',
    hostname: summary.hostname ?? host.id,
    vendor: [summary.manufacturer, summary.product_name].filter(Boolean).join(' '),
    serial: summary.serial_number ?? '',
    cores: summary.cpu_cores ?? 0,
    memoryBytes: summary.memory_bytes ?? 0,
    eligibleDisks: summary.eligible_disks ?? 0,
    disks: summary.disks ?? 0,
    nicLines,
    nics: nicLines.join('; '),
    bmc: bmcAddresses(summary).join(' '),
    checkedInAt: host.checked_in_at ?? '',
    agentVersion: host.discovery_agent_version ?? '',
    haystack: [summary.hostname ?? '', host.id, ...nics.map((n) => n.mac_address ?? ''), ...nics.flatMap((n) => n.addresses ?? []), ...serials].join(' ').toLowerCase(),
  };
}

/** The BMC's addresses, without the all-zero placeholders the agent reports when it has none. */
export function bmcAddresses(inventory: { bmc_address?: string; bmc_v6address?: string }): string[] {
  return [inventory.bmc_address, inventory.bmc_v6address].filter((a): a is string => Boolean(a) && a !== '0.0.0.0' && a !== '::/0' && a !== '::');
}

export const STATUSES: HostStatus[] = ['discovering', 'known', 'insufficient', 'disconnected'];

const GIB = 1024 ** 3;
export const gib = (bytes: number | undefined): string => (bytes ? `${(bytes / GIB).toFixed(1)} GiB` : '–');
export const gb = (bytes: number | undefined): string => (bytes ? `${(bytes / 1e9).toFixed(0)} GB` : '–');

export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '–';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}
