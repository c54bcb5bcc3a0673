/**
 * Re-evaluates a host: validations, then the status they imply. Called after every registration
 * and step reply and on the monitor's tick, so it must be cheap and must not report a change that
 * did not happen.
 */
import type { HostRecord, HostStatus, InfraEnvRecord } from '../model.js';
import { hostStatus } from './status.js';
import { sameValidations, validateHost } from './validations.js';

export interface RefreshResult {
  host: HostRecord;
  /** The status changed (an event is due); validations or status_info alone may change without it. */
  changed: boolean;
  /** The host's status before this refresh. */
  previousStatus: HostStatus;
  /** Anything in the record changed: status, status_info or validations (a write is due). */
  updated: boolean;
}

/** `namesakes`: see ValidateHostInput. */
export function refreshHost(host: HostRecord, infraEnv: InfraEnvRecord, others: HostRecord[], now: Date, namesakes?: HostRecord[]): RefreshResult {
  const validationsInfo = validateHost({ host, infraEnv, others, now, ...(namesakes && { namesakes }) });
  const { status, statusInfo } = hostStatus({ host, validations: validationsInfo, now });
  const changed = status !== host.status;
  const updated =
    changed || statusInfo !== host.statusInfo || !sameValidations(validationsInfo, host.validationsInfo);
  if (!updated) return { host, changed: false, previousStatus: host.status, updated: false };
  const at = now.toISOString();
  const next: HostRecord = { ...host, status, statusInfo, validationsInfo, updatedAt: at };
  if (changed) next.statusUpdatedAt = at;
  return { host: next, changed, previousStatus: host.status, updated };
}
