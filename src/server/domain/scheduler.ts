/**
 * The instructions a host gets when it polls. Hosts here belong to an infra-env with no cluster, so
 * the per-status step lists merge upstream's maps for pool hosts and day-2 hosts, keeping upstream's
 * order for each status; steps whose settings are absent (or that would have nothing to do) are left
 * out, as upstream's command builders return nothing then.
 */
import type { Step, Steps } from '../../protocol/models.js';
import { REPLY_LIST_CAPS } from '../limits.js';
import type { HostRecord, InfraEnvRecord } from '../model.js';
import { ipv4Network } from './ip.js';
import { connectivityTargetsJson } from './peers.js';
import { BACKED_OFF_INSTRUCTION_SECONDS, MIN_SCANNED_PREFIX, NEXT_INSTRUCTION_SECONDS } from './requirements.js';
import { dhcpAllocationResponse, type Inventory } from './responses.js';
import { domainsOf, ntpSourcesOf } from './settings.js';
import { readInventory, readStored } from './stored.js';

export interface StepsForInput {
  host: HostRecord;
  infraEnv: InfraEnvRecord;
  others: HostRecord[];
  newStepId: (type: string) => string;
  /**
   * At most this many connectivity-check targets, taken after filtering out hosts that cannot be
   * targets. Upstream's clusters are small; an infra-env may hold thousands of hosts.
   */
  maxConnectivityPeers?: number;
  /** Seconds between polls, upstream's 60 by default; a lab may poll faster (`serve --poll-interval`). */
  pollIntervalSeconds?: number;
  /** Asked when there are peers to check: false leaves the connectivity check out of this poll (connectivity-throttle.ts). */
  mayCheckConnectivity?: () => boolean;
}

interface Context extends StepsForInput {
  inventory: Inventory | undefined;
}

type Builder = (context: Context) => Step | undefined;

function step(context: Context, type: string, args: string[]): Step {
  return { step_type: type, step_id: context.newStepId(type), args };
}

const inventoryStep: Builder = (c) => step(c, 'inventory', [c.host.id]);

const connectivityCheck: Builder = (c) => {
  // The throttle first: most polls of a large infra-env are refused, and need no targets then.
  if (c.others.length === 0 || (c.mayCheckConnectivity && !c.mayCheckConnectivity())) return undefined;
  const targets = connectivityTargetsJson(c.host, c.others, c.maxConnectivityPeers);
  return targets === undefined ? undefined : step(c, 'connectivity-check', [targets]);
};

/**
 * The host's own IPv4 networks small enough for nmap to sweep between two polls, at most as many
 * as a free-network-addresses reply may answer for.
 */
export function scannableNetworks(inventory: Inventory | undefined): string[] {
  const networks = new Set<string>();
  for (const nic of inventory?.interfaces ?? []) {
    for (const cidr of nic.ipv4_addresses ?? []) {
      const parsed = ipv4Network(cidr);
      if (!parsed || parsed.prefix < MIN_SCANNED_PREFIX || parsed.network.startsWith('127.')) continue;
      networks.add(parsed.network);
      if (networks.size >= REPLY_LIST_CAPS.freeNetworks) return [...networks];
    }
  }
  return [...networks];
}

// Every poll of a known host asks for these; the inventory changes rarely, so derive them (and
// the step's argument) once per parse. Undefined: no network to scan.
const networksArgByInventory = new WeakMap<Inventory, string | undefined>();

function scannableNetworksArg(inventory: Inventory | undefined): string | undefined {
  if (!inventory) return undefined;
  if (networksArgByInventory.has(inventory)) return networksArgByInventory.get(inventory);
  const networks = scannableNetworks(inventory);
  const arg = networks.length === 0 ? undefined : JSON.stringify(networks);
  networksArgByInventory.set(inventory, arg);
  return arg;
}

const freeNetworkAddresses: Builder = (c) => {
  const arg = scannableNetworksArg(c.inventory);
  return arg === undefined ? undefined : step(c, 'free-network-addresses', [arg]);
};

/** Renewing the leases the host got last time keeps the VIP addresses stable. */
const dhcpLeaseAllocate: Builder = (c) => {
  const settings = c.infraEnv.dhcpAllocation;
  if (!settings || !c.inventory) return undefined;
  const request: Record<string, string> = { interface: settings.interface, api_vip_mac: settings.apiVipMac, ingress_vip_mac: settings.ingressVipMac };
  const previous = readStored(c.host.dhcpAllocation, dhcpAllocationResponse);
  if (previous?.api_vip_lease) request.api_vip_lease = previous.api_vip_lease;
  if (previous?.ingress_vip_lease) request.ingress_vip_lease = previous.ingress_vip_lease;
  return step(c, 'dhcp-lease-allocate', [JSON.stringify(request)]);
};

const ntpSynchronizer: Builder = (c) => {
  const sources = ntpSourcesOf(c.infraEnv);
  return sources.length === 0 ? undefined : step(c, 'ntp-synchronizer', [JSON.stringify({ ntp_source: sources.join(',') })]);
};

const domainResolution: Builder = (c) => {
  const domains = domainsOf(c.infraEnv);
  if (domains.length === 0) return undefined;
  return step(c, 'domain-resolution', [JSON.stringify({ domains: domains.map((domain_name) => ({ domain_name })) })]);
};

const apiVipConnectivityCheck: Builder = (c) =>
  c.infraEnv.apiVipUrl ? step(c, 'api-vip-connectivity-check', [JSON.stringify({ url: c.infraEnv.apiVipUrl })]) : undefined;

/** The upload goes to /v2/clusters/{cluster_id}/logs; the infra-env id stands in for the cluster. */
const logsGather: Builder = (c) => {
  if (!c.host.logsRequested) return undefined;
  const request = { cluster_id: c.infraEnv.id, infra_env_id: c.infraEnv.id, host_id: c.host.id, bootstrap: false, installer_gather: true };
  return step(c, 'logs-gather', [JSON.stringify(request)]);
};

// discovering: day-2's list (pool hosts get inventory and NTP only; resolving names early spares a
// pending DNS check once the inventory arrives). insufficient/known: upstream's day-1 lists with
// day-2's api-vip check where day-2 puts it; known polls the inventory after the peer checks.
const PLAN: Record<HostRecord['status'], Builder[]> = {
  discovering: [inventoryStep, ntpSynchronizer, domainResolution],
  insufficient: [inventoryStep, connectivityCheck, apiVipConnectivityCheck, freeNetworkAddresses, dhcpLeaseAllocate, ntpSynchronizer, domainResolution],
  known: [connectivityCheck, apiVipConnectivityCheck, freeNetworkAddresses, dhcpLeaseAllocate, inventoryStep, ntpSynchronizer, domainResolution],
  disconnected: [inventoryStep],
};

export function stepsFor(input: StepsForInput): Steps {
  const context: Context = { ...input, inventory: readInventory(input.host) };
  const builders = [...(PLAN[input.host.status] ?? []), logsGather];
  const instructions = builders.map((build) => build(context)).filter((s): s is Step => s !== undefined);
  return {
    next_instruction_seconds: pollInterval(input),
    post_step_action: 'continue',
    instructions,
  };
}

/** Upstream backs off disconnected hosts to twice the normal interval (120 s for 60 s). */
function pollInterval(input: StepsForInput): number {
  const normal = input.pollIntervalSeconds ?? NEXT_INSTRUCTION_SECONDS;
  const backedOff = (BACKED_OFF_INSTRUCTION_SECONDS / NEXT_INSTRUCTION_SECONDS) * normal;
  return input.host.status === 'disconnected' ? backedOff : normal;
}
