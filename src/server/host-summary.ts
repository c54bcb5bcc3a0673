/**
 * `GET …/hosts?view=summary` (inband extension): the host list without the large JSON-in-string
 * fields (inventory, validations, connectivity, …), each host carrying `inventory_summary` — the
 * few inventory facts a list shows and searches. 10,000 full hosts are ~47 MB of JSON and take the
 * service seconds to write; their summaries are ~4 MB. The full host stays one GET away.
 */
import { readInventory } from './domain/stored.js';
import type { HostRecord } from './model.js';
import { hostWire } from './wire.js';

/**
 * What the summary view keeps of upstream's host model: the scalars a list shows. The JSON
 * documents in strings (inventory, validations_info, connectivity, …) are read for one host at a time.
 */
const SUMMARY_FIELDS = ['id', 'infra_env_id', 'status', 'status_info', 'status_updated_at', 'logs_info', 'logs_collected_at', 'created_at', 'updated_at', 'registered_at', 'checked_in_at', 'discovery_agent_version', 'requested_hostname', 'media_status'];

export function inventorySummary(host: HostRecord): Record<string, unknown> | undefined {
  const inventory = readInventory(host);
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
    interfaces: (inventory.interfaces ?? []).map((nic) => ({
      name: nic.name,
      type: nic.type,
      mac_address: nic.mac_address,
      addresses: [...(nic.ipv4_addresses ?? []), ...(nic.ipv6_addresses ?? [])],
    })),
    bmc_address: inventory.bmc_address,
    bmc_v6address: inventory.bmc_v6address,
  };
}

export function hostSummaryWire(host: HostRecord): Record<string, unknown> {
  const full = hostWire(host);
  const wire: Record<string, unknown> = {};
  for (const field of SUMMARY_FIELDS) if (full[field] !== undefined) wire[field] = full[field];
  const summary = inventorySummary(host);
  if (summary) wire.inventory_summary = summary;
  return wire;
}
