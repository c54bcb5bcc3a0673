/**
 * How much a step's arguments may ask for. The service is trusted to send sane requests, but the
 * agent runs as root and each entry becomes probes, processes or files, so every list is bounded
 * before any work starts; the bounds sit well above what upstream's service sends.
 */
import { StepArgsError } from '../errors.js';

export const STEP_ARG_LIMITS = {
  /** One argument's text: requests are KBs (install: a few KB of flags). */
  argumentBytes: 1024 * 1024,
  /** connectivity-check: upstream's service names every host of a cluster; ours at most 50. */
  connectivityHosts: 256,
  nicsPerHost: 32,
  addressesPerNic: 32,
  domains: 256,
  images: 64,
  vips: 16,
  tangServers: 32,
  ntpSources: 64,
} as const;

/** Refuses a list longer than `max`, in the go-openapi wording of the other argument checks. */
export function checkListLength(length: number, max: number, field: string): void {
  if (length > max) throw new StepArgsError(`validation failure list:\n${field} in body should have at most ${max} items, got ${length}`);
}
