import type { DryRunConfig } from '../config/dry-run.js';
import type { Inventory } from './model.js';

/**
 * Upstream's dry-run identity for load tests with many fake agents on one machine: a forced
 * hostname, and for the first non-loopback NIC with an IPv4 address a forced MAC and first IPv4.
 * A forced IPv4 without a prefix length keeps the prefix length of the address it replaces.
 */
export function applyDryRun(inventory: Inventory, dryRun: DryRunConfig): void {
  if (!dryRun.enabled) return;
  if (dryRun.forcedHostname) inventory.hostname = dryRun.forcedHostname;
  const nic = inventory.interfaces.find((i) => !i.flags.includes('loopback') && i.ipv4_addresses.length > 0);
  if (!nic) return;
  if (dryRun.forcedMac) nic.mac_address = dryRun.forcedMac.toLowerCase();
  if (dryRun.forcedIpv4) {
    const prefix = (nic.ipv4_addresses[0] ?? '').split('/')[1];
    nic.ipv4_addresses[0] = dryRun.forcedIpv4.includes('/') || prefix === undefined ? dryRun.forcedIpv4 : `${dryRun.forcedIpv4}/${prefix}`;
  }
}
