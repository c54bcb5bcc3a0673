/**
 * What a step reply does to the host record (upstream's V2PostStepReply, minus the HTTP): failures
 * are recorded, exit code 256 means the discovery media is gone, and a successful output is
 * decoded with its step type's response model and stored re-serialised, so unknown fields never
 * reach the store and garbage is refused before anything changes.
 */
import type { StepReply } from '../../protocol/models.js';
import type { HostRecord } from '../model.js';
import { applyDiskEligibility } from './disks.js';
import { capInventoryLists, withServiceTruncation } from './inventory-caps.js';
import { type Decoder, parseJson, ShapeError } from './json-shape.js';
import {
  apiVipConnectivityResponse,
  connectivityReport,
  containerImageAvailabilityResponse,
  dhcpAllocationResponse,
  diskSpeedCheckResponse,
  domainResolutionResponse,
  freeNetworksAddresses,
  type Inventory,
  inventory,
  ntpSynchronizationResponse,
  tangConnectivityResponse,
  upgradeAgentResponse,
  verifyVipsResponse,
} from './responses.js';
import { STATUS_INFO } from './status.js';

/** A successful reply whose output is not its step type's response model; the route answers 400. */
export class ReplyFormatError extends Error {
  constructor(
    readonly stepType: string,
    readonly stepId: string,
    readonly reason: string,
  ) {
    super(`Failed to decode ${stepType} reply${stepId ? ` ${stepId}` : ''}: ${reason}`);
    this.name = 'ReplyFormatError';
  }
}

/** The agent's exit code for "the discovery media disappeared while the step ran". */
export const MEDIA_DISCONNECTED_EXIT_CODE = 256;

type Stored = Partial<Pick<HostRecord, 'inventory' | 'connectivity' | 'freeAddresses' | 'ntpSources' | 'domainNameResolutions' | 'apiVipConnectivity' | 'dhcpAllocation' | 'tangConnectivity'>>;

interface Handler<T> {
  decode: Decoder<T>;
  /** The fields to update; undefined stores nothing (the output was still checked). */
  store?: (decoded: T) => Stored | undefined;
  /** The agent answers "already running" with an empty output; upstream ignores those replies. */
  emptyMeansRunning?: boolean;
}

function handler<T>(h: Handler<T>): Handler<unknown> {
  return h as Handler<unknown>;
}

/** An agent's inventory, cut to the service's caps first (so decoding is bounded too). */
const cappedInventory: Decoder<Inventory> = (value, path) => {
  const cuts = capInventoryLists(value);
  return withServiceTruncation(inventory(value, path), cuts);
};

const HANDLERS: Record<string, Handler<unknown>> = {
  // Upstream stores the inventory with its own disk eligibility verdicts added.
  inventory: handler({ decode: cappedInventory, store: (inv) => ({ inventory: JSON.stringify(applyDiskEligibility(inv)) }) }),
  'connectivity-check': handler({ decode: connectivityReport, store: (report) => ({ connectivity: JSON.stringify(report) }) }),
  // The scanner's "already running" is an empty output too. An empty list is a failed scan for
  // upstream, so it does not replace the last good one.
  'free-network-addresses': handler({
    decode: freeNetworksAddresses,
    emptyMeansRunning: true,
    store: (networks) => (networks.length === 0 ? undefined : { freeAddresses: JSON.stringify(networks) }),
  }),
  'ntp-synchronizer': handler({ decode: ntpSynchronizationResponse, store: (r) => ({ ntpSources: JSON.stringify(r.ntp_sources ?? []) }) }),
  'domain-resolution': handler({ decode: domainResolutionResponse, store: (r) => ({ domainNameResolutions: JSON.stringify(r) }) }),
  'api-vip-connectivity-check': handler({ decode: apiVipConnectivityResponse, store: (r) => ({ apiVipConnectivity: JSON.stringify(r) }) }),
  'dhcp-lease-allocate': handler({ decode: dhcpAllocationResponse, store: (r) => ({ dhcpAllocation: JSON.stringify(r) }) }),
  'tang-connectivity-check': handler({ decode: tangConnectivityResponse, store: (r) => ({ tangConnectivity: JSON.stringify(r) }) }),
  // Checked like upstream does, though an infra-env host has nowhere to keep the results.
  'installation-disk-speed-check': handler({ decode: diskSpeedCheckResponse, emptyMeansRunning: true }),
  'container-image-availability': handler({ decode: containerImageAvailabilityResponse, emptyMeansRunning: true }),
  'upgrade-agent': handler({ decode: upgradeAgentResponse }),
  'verify-vips': handler({ decode: verifyVipsResponse }),
};

function failedReply(host: HostRecord, reply: StepReply, exitCode: number, at: string): HostRecord {
  const next: HostRecord = {
    ...host,
    stepErrors: { ...host.stepErrors, [reply.step_type]: reply.error || `exit code ${exitCode}` },
    updatedAt: at,
  };
  if (exitCode === MEDIA_DISCONNECTED_EXIT_CODE) {
    next.mediaStatus = 'disconnected';
    next.status = 'disconnected';
    next.statusInfo = STATUS_INFO.mediaDisconnected;
    if (host.status !== 'disconnected') next.statusUpdatedAt = at;
  }
  return next;
}

export function applyStepReply(host: HostRecord, reply: StepReply, now: Date): HostRecord {
  const at = now.toISOString();
  const exitCode = reply.exit_code ?? 0;
  if (exitCode !== 0) return failedReply(host, reply, exitCode, at);

  const type = reply.step_type;
  const h = HANDLERS[type];
  const output = reply.output ?? '';
  let stored: Stored | undefined;
  if (h && !(h.emptyMeansRunning && output.trim() === '')) {
    let decoded: unknown;
    try {
      decoded = parseJson(output, h.decode);
    } catch (err) {
      if (err instanceof ShapeError) throw new ReplyFormatError(type, reply.step_id ?? '', err.message);
      throw err;
    }
    stored = h.store?.(decoded);
  } else if (h) {
    // "Already running": nothing happened yet, so neither data nor the last error changes.
    return host.mediaStatus === 'disconnected' ? { ...host, mediaStatus: 'connected', updatedAt: at } : { ...host };
  }

  const next: HostRecord = { ...host, ...stored };
  let changed = stored !== undefined;
  // A step that works again supersedes its last failure.
  if (host.stepErrors && type in host.stepErrors) {
    const { [type]: _cleared, ...rest } = host.stepErrors;
    next.stepErrors = rest;
    changed = true;
  }
  // Any successful step proves the agent can read its media again.
  if (host.mediaStatus === 'disconnected') {
    next.mediaStatus = 'connected';
    changed = true;
  }
  if (changed) next.updatedAt = at;
  return next;
}
