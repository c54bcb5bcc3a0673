/**
 * A host's `validations_info`, computed from its record, its infra-env and the other hosts of that
 * infra-env. Ids are upstream's `host-validation-id` values; statuses follow upstream's use:
 * "pending" while the data a check needs has not arrived, "disabled" for checks the infra-env did
 * not ask for (no NTP sources, no API URL, no names of that kind to resolve).
 *
 * Messages must only change when the verdict's reasons change: the monitor re-validates every host
 * every few seconds and a record whose validations did not change need not be written.
 */
import type { HostRecord, InfraEnvRecord, Validation, ValidationsInfo } from '../model.js';
import { hardwareValidations } from './hardware-validations.js';
import { networkValidations } from './network-validations.js';

export interface ValidateHostInput {
  host: HostRecord;
  infraEnv: InfraEnvRecord;
  /** The infra-env's other hosts; the host itself may be among them and is skipped. */
  others: HostRecord[];
  /**
   * The other hosts that report the host's hostname, when the caller indexes names (the service
   * does); without it, uniqueness is judged by walking `others`.
   */
  namesakes?: HostRecord[];
  now: Date;
}

export function validateHost({ host, infraEnv, others, namesakes, now }: ValidateHostInput): ValidationsInfo {
  return {
    hardware: hardwareValidations(host, namesakes ?? others),
    network: networkValidations(host, infraEnv, others, now),
  };
}

/**
 * Whether two validations_info hold the same verdicts, as their JSON would compare (the same
 * groups in the same order, each the same list): every refresh asks, and serialising both to
 * compare them was a good part of what a refresh allocated.
 */
export function sameValidations(a: ValidationsInfo | undefined, b: ValidationsInfo | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const groups = Object.keys(a);
  const otherGroups = Object.keys(b);
  if (groups.length !== otherGroups.length) return false;
  for (let g = 0; g < groups.length; g++) {
    if (groups[g] !== otherGroups[g]) return false;
    const list = (a as unknown as Record<string, Validation[]>)[groups[g] as string];
    const otherList = (b as unknown as Record<string, Validation[]>)[groups[g] as string];
    if (!Array.isArray(list) || !Array.isArray(otherList) || list.length !== otherList.length) return false;
    for (let i = 0; i < list.length; i++) if (!sameValidation(list[i] as Validation, otherList[i] as Validation)) return false;
  }
  return true;
}

function sameValidation(a: Validation, b: Validation): boolean {
  if (a.id !== b.id || a.status !== b.status || a.message !== b.message) return false;
  // A record from an older build may carry more: then it is not the same JSON.
  let fields = 0;
  for (const key in b) if (Object.hasOwn(b, key)) fields++;
  return fields === 3 && Object.keys(a).length === 3;
}

/** The ids whose failure upstream reports as "does not meet the minimum hardware requirements". */
export const MIN_HARDWARE_IDS = ['has-min-cpu-cores', 'has-min-memory', 'has-min-valid-disks'];
