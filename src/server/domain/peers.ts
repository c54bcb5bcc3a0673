/**
 * Which other hosts a host should be able to reach, and at which NICs. The scheduler sends these as
 * the connectivity-check targets and belongs-to-majority-group judges the report against the same
 * set, so the two cannot disagree about who counts.
 */
import { isMac } from '../../protocol/formats.js';
import { CONNECTIVITY_TARGET_CAPS } from '../limits.js';
import type { HostRecord } from '../model.js';
import { isLocalOnly, stripPrefix } from './ip.js';
import type { Inventory } from './responses.js';
import { hostnameOf, readInventory } from './stored.js';

/** `connectivity-check-nic` */
export interface ConnectivityNic {
  name: string;
  mac: string;
  ip_addresses: string[];
}

/** `connectivity-check-host` */
export interface ConnectivityTarget {
  host_id: string;
  nics: ConnectivityNic[];
}

/**
 * NICs worth probing: the agent rejects the whole step when a MAC is malformed (loopback has
 * none), and loopback or link-local addresses mean nothing to another host.
 */
export function connectivityNics(inventory: Inventory): ConnectivityNic[] {
  const nics: ConnectivityNic[] = [];
  for (const nic of inventory.interfaces ?? []) {
    // Every poll of every peer carries these targets: one host's inventory must not make them large.
    if (nics.length >= CONNECTIVITY_TARGET_CAPS.nics) break;
    if (!nic.name || !isMac(nic.mac_address)) continue;
    const addresses = [...(nic.ipv4_addresses ?? []), ...(nic.ipv6_addresses ?? [])]
      .map(stripPrefix)
      .filter((a) => a && !isLocalOnly(a))
      .slice(0, CONNECTIVITY_TARGET_CAPS.addressesPerNic);
    if (addresses.length === 0) continue;
    nics.push({ name: nic.name, mac: nic.mac_address, ip_addresses: addresses });
  }
  return nics;
}

/** What a refresh of another host needs to know about this one. */
export interface PeerSummary {
  /** The name, lowercased: DNS names compare case-insensitively. */
  hostnameKey: string | undefined;
  target: ConnectivityTarget | undefined;
}

// Every refresh walks all peers of the infra-env (thousands, in the benchmark); deriving what it
// needs once per record keeps that walk to one lookup per peer. Records are replaced, not mutated;
// the fields the summary depends on are compared anyway.
const summaries = new WeakMap<HostRecord, PeerSummary & { inventory?: string; requested?: string; status: string }>();

export function peerSummary(host: HostRecord): PeerSummary {
  const cached = summaries.get(host);
  if (cached && cached.inventory === host.inventory && cached.requested === host.requestedHostname && cached.status === host.status) {
    return cached;
  }
  const inventory = readInventory(host);
  const summary = {
    hostnameKey: hostnameOf(host, inventory)?.toLowerCase(),
    target: targetOf(host, inventory),
    inventory: host.inventory,
    requested: host.requestedHostname,
    status: host.status,
  };
  summaries.set(host, summary);
  return summary;
}

/**
 * Upstream probes only hosts past discovery that are still talking to the service; a host without
 * an inventory has no NICs to name.
 */
function targetOf(host: HostRecord, inventory: Inventory | undefined): ConnectivityTarget | undefined {
  if (host.status === 'discovering' || host.status === 'disconnected' || !inventory) return undefined;
  const nics = connectivityNics(inventory);
  return nics.length === 0 ? undefined : { host_id: host.id, nics };
}

/** The other hosts of the same infra-env, skipping the host itself. */
export function isPeer(host: HostRecord, other: HostRecord): boolean {
  return other.id !== host.id && other.infraEnvId === host.infraEnvId;
}

/**
 * The connectivity-check-params argument, as JSON. Built from each target's JSON, kept with its
 * summary: every poll of a known host carries this argument, and serialising dozens of targets
 * afresh for each of thousands of polls a second is what would cost. `others` is taken as a list
 * that does not change once passed (the service's candidate lists are replaced, never edited).
 */
export function connectivityTargetsJson(host: HostRecord, others: HostRecord[], limit = Number.POSITIVE_INFINITY): string | undefined {
  // The service passes the same list (its candidates, kept a second) to every poll of an
  // infra-env, and the argument then differs only for hosts in the list: build each once.
  let built = builtFor.get(others);
  if (!built) builtFor.set(others, (built = new Map()));
  const key = `${limit}\u0000${others.some((other) => other.id === host.id && other.infraEnvId === host.infraEnvId) ? host.id : ''}\u0000${host.infraEnvId}`;
  if (built.has(key)) return built.get(key);
  const json = buildTargetsJson(host, others, limit);
  built.set(key, json);
  return json;
}

/** Per list of others, the argument by (limit, the host if it is in the list, its infra-env). */
const builtFor = new WeakMap<HostRecord[], Map<string, string | undefined>>();

function buildTargetsJson(host: HostRecord, others: HostRecord[], limit: number): string | undefined {
  const parts: string[] = [];
  for (const other of others) {
    if (parts.length >= limit) break;
    if (!isPeer(host, other)) continue;
    const summary = peerSummary(other) as PeerSummary & { targetJson?: string };
    if (!summary.target) continue;
    summary.targetJson ??= JSON.stringify(summary.target);
    parts.push(summary.targetJson);
  }
  return parts.length === 0 ? undefined : `[${parts.join(',')}]`;
}
