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
import { checkJsonBudget, type Decoder, parseWithinBudget, ShapeError } from './json-shape.js';
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
import { storedInventoryText } from './stored.js';

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
  inventory: handler({ decode: cappedInventory, store: (inv) => ({ inventory: storedInventoryText(applyDiskEligibility(inv)) }) }),
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

/**
 * What a reply's output decodes to, before any host is touched: `stored` are the fields it sets,
 * `running` an "already running" answer that changes nothing. Decoding is the costly part of a
 * reply (a large inventory is parsed, cut and re-serialised), so the service does it first and
 * lets other requests run before it applies the result (applyDecodedReply).
 */
export interface DecodedReply {
  stored?: Stored;
  running?: boolean;
}

export function decodeStepReply(reply: StepReply): DecodedReply {
  const steps = decodeSteps(reply);
  let next = steps.next();
  while (!next.done) next = steps.next();
  return next.value;
}

/** Outputs above this size are decoded in steps with other requests' turns in between. */
export const YIELDING_OUTPUT_CHARS = 64 * 1024;

/**
 * decodeStepReply for the service: a large output's budget scan, parse, decoding and
 * re-serialisation each take their own turn of the event loop, so one reply never holds it for
 * the sum of them (bench/hostile.bench.mjs).
 */
export async function decodeStepReplyYielding(reply: StepReply): Promise<DecodedReply> {
  const steps = decodeSteps(reply);
  const large = (reply.output ?? '').length > YIELDING_OUTPUT_CHARS;
  let next = steps.next();
  while (!next.done) {
    if (large) await new Promise((resolve) => setImmediate(resolve));
    next = steps.next();
  }
  return next.value;
}

/** The decoding, one costly part per step: budget scan, parse, decode (caps included), store. */
function* decodeSteps(reply: StepReply): Generator<void, DecodedReply> {
  if ((reply.exit_code ?? 0) !== 0) return {};
  const type = reply.step_type;
  const h = HANDLERS[type];
  const output = reply.output ?? '';
  if (!h) return {};
  if (h.emptyMeansRunning && output.trim() === '') return { running: true };
  const refused = (err: unknown): unknown => (err instanceof ShapeError ? new ReplyFormatError(type, reply.step_id ?? '', err.message) : err);
  let decoded: unknown;
  try {
    checkJsonBudget(output);
    yield;
    const value = parseWithinBudget(output);
    yield;
    decoded = h.decode(value, '');
  } catch (err) {
    throw refused(err);
  }
  yield;
  return { stored: h.store?.(decoded) };
}

export function applyStepReply(host: HostRecord, reply: StepReply, now: Date): HostRecord {
  return applyDecodedReply(host, reply, decodeStepReply(reply), now);
}

/** The host after a reply whose output decodeStepReply has already decoded. */
export function applyDecodedReply(host: HostRecord, reply: StepReply, decodedReply: DecodedReply, now: Date): HostRecord {
  const at = now.toISOString();
  const exitCode = reply.exit_code ?? 0;
  if (exitCode !== 0) return failedReply(host, reply, exitCode, at);

  const type = reply.step_type;
  const { stored } = decodedReply;
  if (decodedReply.running) {
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
