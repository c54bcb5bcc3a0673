/**
 * A host's `validations_info`, computed from its record, its infra-env and the other hosts of that
 * infra-env. Ids are upstream's `host-validation-id` values; statuses follow upstream's use:
 * "pending" while the data a check needs has not arrived, "disabled" for checks the infra-env did
 * not ask for (no NTP sources, no API URL, no names of that kind to resolve).
 *
 * Messages must only change when the verdict's reasons change: the monitor re-validates every host
 * every few seconds and a record whose validations did not change need not be written.
 */
import type { HostRecord, InfraEnvRecord, ValidationsInfo } from '../model.js';
import { hardwareValidations } from './hardware-validations.js';
import { networkValidations } from './network-validations.js';

export interface ValidateHostInput {
  host: HostRecord;
  infraEnv: InfraEnvRecord;
  /** The infra-env's other hosts; the host itself may be among them and is skipped. */
  others: HostRecord[];
  now: Date;
}

export function validateHost({ host, infraEnv, others, now }: ValidateHostInput): ValidationsInfo {
  return {
    hardware: hardwareValidations(host, others),
    network: networkValidations(host, infraEnv, others, now),
  };
}

/** The ids whose failure upstream reports as "does not meet the minimum hardware requirements". */
export const MIN_HARDWARE_IDS = ['has-min-cpu-cores', 'has-min-memory', 'has-min-valid-disks'];
