import type { HostRecord, StepResultRecord } from '../model.js';

/**
 * Whether a step result's output is already held by its host record, so the store keeps it once:
 * a successful inventory reply is what `host.inventory` was made from (upstream's shape, disk
 * eligibility added), and stores list it from there. Inventories are 5–20 KB and kept five times
 * per host otherwise (~600 MB per 10,000 hosts). Reading such a result gives the host's inventory
 * as it is now.
 */
export function outputHeldByHost(result: StepResultRecord, host: HostRecord): boolean {
  return result.stepType === 'inventory' && result.exitCode === 0 && host.inventory !== undefined;
}
