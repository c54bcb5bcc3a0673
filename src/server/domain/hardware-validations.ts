/** The `hardware` category: what the inventory says about the machine and its name. */
import type { HostRecord, Validation } from '../model.js';
import { applyDiskEligibility, formatGB } from './disks.js';
import { MESSAGE_LIST_CAP } from '../limits.js';
import { GIB, MEMINFO_ALLOWANCE, MIB, MIN_CPU_CORES, MIN_RAM_MIB, RAM_TOLERANCE_MIB } from './requirements.js';
import type { Inventory } from './responses.js';
import { isPeer, peerSummary } from './peers.js';
import { hostnameOf, readInventory } from './stored.js';

export const MISSING_INVENTORY = 'Missing inventory';

export function validation(id: string, status: Validation['status'], message: string): Validation {
  return { id, status, message };
}

export function hasInventory(host: HostRecord, inventory: Inventory | undefined): Validation {
  if (inventory) return validation('has-inventory', 'success', 'The host has sent its hardware inventory');
  if (host.inventory) return validation('has-inventory', 'failure', 'The stored inventory of the host cannot be read');
  return validation('has-inventory', 'failure', 'The host has not sent its hardware inventory yet');
}

/** A fully truncated inventory (the agent hit its size limit) carries no hardware to judge. */
export function notFullyTruncated(inventory: Inventory | undefined): Validation {
  const id = 'inventory-not-fully-truncated';
  if (!inventory) return validation(id, 'pending', MISSING_INVENTORY);
  if (inventory.truncation?.type === 'full') {
    const reasons = inventory.truncation.reasons?.length ? `: ${inventory.truncation.reasons.join('; ')}` : '';
    return validation(id, 'failure', `The agent had to drop the whole inventory${reasons}`);
  }
  return validation(id, 'success', 'The inventory holds the hardware details');
}

export function hasMinCpuCores(inventory: Inventory | undefined): Validation {
  const id = 'has-min-cpu-cores';
  if (!inventory) return validation(id, 'pending', MISSING_INVENTORY);
  const cores = inventory.cpu?.count ?? 0;
  if (cores >= MIN_CPU_CORES) return validation(id, 'success', 'Sufficient CPU cores');
  return validation(id, 'failure', `Insufficient CPU cores: ${cores} (required: ${MIN_CPU_CORES})`);
}

function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(2)} GiB`;
}

export function hasMinMemory(inventory: Inventory | undefined): Validation {
  const id = 'has-min-memory';
  if (!inventory) return validation(id, 'pending', MISSING_INVENTORY);
  const physical = inventory.memory?.physical_bytes ?? 0;
  const counted = inventory.memory?.physical_bytes_method === 'meminfo' ? physical * (1 + MEMINFO_ALLOWANCE) : physical;
  if (counted >= (MIN_RAM_MIB - RAM_TOLERANCE_MIB) * MIB) return validation(id, 'success', 'Sufficient minimum RAM');
  return validation(id, 'failure', `Insufficient RAM: ${gib(physical)} (required: ${gib(MIN_RAM_MIB * MIB)})`);
}

export function hasMinValidDisks(inventory: Inventory | undefined): Validation {
  const id = 'has-min-valid-disks';
  if (!inventory) return validation(id, 'pending', MISSING_INVENTORY);
  const disks = applyDiskEligibility(inventory).disks ?? [];
  if (disks.length === 0) return validation(id, 'failure', 'No eligible installation disk: the host reported no disks');
  const eligible = disks.find((disk) => disk.installation_eligibility?.eligible);
  if (eligible) {
    return validation(id, 'success', `Sufficient disk capacity: ${eligible.path ?? eligible.name ?? 'a disk'} (${formatGB(eligible.size_bytes ?? 0)}) is eligible`);
  }
  const why = disks
    .slice(0, MESSAGE_LIST_CAP)
    .map((disk) => `${disk.name ?? disk.path ?? '?'}: ${(disk.installation_eligibility?.not_eligible_reasons ?? []).join(', ')}`);
  const more = disks.length > MESSAGE_LIST_CAP ? `; and ${disks.length - MESSAGE_LIST_CAP} more disks` : '';
  return validation(id, 'failure', `No eligible installation disk (${why.join('; ')}${more})`);
}

// Upstream refuses the names every fresh OS install has, since all such hosts would collide.
const FORBIDDEN_HOSTNAMES = ['localhost', 'localhost.localdomain', 'localhost4', 'localhost4.localdomain4', 'localhost6', 'localhost6.localdomain6'];
// Node names must be RFC 1123 subdomains, lowercase, as Kubernetes requires.
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function hostnameProblem(name: string | undefined): string | undefined {
  if (!name) return 'The host has no hostname';
  if (FORBIDDEN_HOSTNAMES.includes(name)) return `Hostname ${name} is forbidden: it is the default of every fresh installation`;
  const labelsOk = name.split('.').every((label) => label.length <= 63 && LABEL.test(label));
  if (name.length > 253 || !labelsOk) {
    return `Hostname ${name} is not a valid RFC 1123 name (lowercase letters, digits, '-' and '.'; labels of 1-63 characters, 253 in all)`;
  }
  return undefined;
}

export function hostnameValid(host: HostRecord, inventory: Inventory | undefined): Validation {
  const id = 'hostname-valid';
  if (!inventory && !host.requestedHostname) return validation(id, 'pending', MISSING_INVENTORY);
  const name = hostnameOf(host, inventory);
  const problem = hostnameProblem(name);
  return problem ? validation(id, 'failure', problem) : validation(id, 'success', `Hostname ${name} is allowed`);
}

export function hostnameUnique(host: HostRecord, inventory: Inventory | undefined, others: HostRecord[]): Validation {
  const id = 'hostname-unique';
  if (!inventory && !host.requestedHostname) return validation(id, 'pending', MISSING_INVENTORY);
  const name = hostnameOf(host, inventory);
  if (!name) return validation(id, 'failure', 'The host has no hostname');
  // DNS names compare case-insensitively; two hosts differing only in case would still collide.
  const key = name.toLowerCase();
  const clashes = others.filter((other) => isPeer(host, other) && peerSummary(other).hostnameKey === key);
  if (clashes.length === 0) return validation(id, 'success', `Hostname ${name} is unique in the infra-env`);
  const ids = clashes.map((other) => other.id).sort();
  const shown = ids.length > MESSAGE_LIST_CAP ? [...ids.slice(0, MESSAGE_LIST_CAP), `and ${ids.length - MESSAGE_LIST_CAP} more`] : ids;
  return validation(id, 'failure', `Hostname ${name} is not unique in the infra-env: also used by ${shown.join(', ')}`);
}

/** `others`: the hosts a hostname clash is looked for among (the host itself is skipped). */
export function hardwareValidations(host: HostRecord, others: HostRecord[]): Validation[] {
  const inventory = readInventory(host);
  return [
    hasInventory(host, inventory),
    notFullyTruncated(inventory),
    hasMinCpuCores(inventory),
    hasMinMemory(inventory),
    hasMinValidDisks(inventory),
    hostnameUnique(host, inventory, others),
    hostnameValid(host, inventory),
  ];
}
