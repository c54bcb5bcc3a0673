/**
 * The host's status from its validations: upstream's refresh rules for the infra-env subset,
 * evaluated in upstream's order (contact first, then inventory, minimum hardware, the rest).
 */
import type { HostRecord, HostStatus, Validation, ValidationsInfo } from '../model.js';
import { isConnected } from './network-validations.js';
import { MIN_HARDWARE_IDS } from './validations.js';

export const STATUS_INFO = {
  disconnected: 'Host has stopped communicating with the installation service',
  mediaDisconnected:
    'Host cannot read from the discovery media: it was disconnected, or the network was too poor to read it. Reconnect the media and reboot the host',
  discovering: 'Waiting for host to send hardware details',
  known: 'Host is ready to be installed',
  notEnoughHardware: 'Host does not meet the minimum hardware requirements: ',
  insufficient: 'Host cannot be installed due to following failing validation(s): ',
} as const;

export interface HostStatusInput {
  host: HostRecord;
  validations: ValidationsInfo;
  now: Date;
}

function all(validations: ValidationsInfo): Validation[] {
  return [...validations.hardware, ...validations.network, ...(validations.operators ?? [])];
}

/** "error" is a check that could not run; like upstream, only success and disabled let a host pass. */
function passes(v: Validation): boolean {
  return v.status === 'success' || v.status === 'disabled';
}

function failed(v: Validation): boolean {
  return v.status === 'failure' || v.status === 'error';
}

/**
 * Upstream joins the failures' messages, sorted, with " ; ". When only pending checks hold the host
 * back upstream's list would be empty; naming the pending checks says more.
 */
function reasons(blocking: Validation[]): string {
  const failures = blocking.filter(failed);
  return (failures.length > 0 ? failures : blocking)
    .map((v) => v.message)
    .sort()
    .join(' ; ');
}

export function hostStatus({ host, validations, now }: HostStatusInput): { status: HostStatus; statusInfo: string } {
  const byId = new Map(all(validations).map((v) => [v.id, v]));
  const state = (id: string) => byId.get(id)?.status;

  // Silence is the more current news: a host that stopped polling may have lost its media long ago.
  if (!isConnected(host, now) || state('connected') === 'failure') {
    return { status: 'disconnected', statusInfo: STATUS_INFO.disconnected };
  }
  if (host.mediaStatus === 'disconnected' || state('media-connected') === 'failure') {
    return { status: 'disconnected', statusInfo: STATUS_INFO.mediaDisconnected };
  }
  if (state('has-inventory') !== 'success' || state('inventory-not-fully-truncated') === 'failure') {
    return { status: 'discovering', statusInfo: STATUS_INFO.discovering };
  }
  if (MIN_HARDWARE_IDS.some((id) => byId.has(id) && !passes(byId.get(id)!))) {
    return { status: 'insufficient', statusInfo: STATUS_INFO.notEnoughHardware + reasons(validations.hardware.filter((v) => !passes(v))) };
  }
  const blocking = all(validations).filter((v) => !passes(v));
  if (blocking.length > 0) return { status: 'insufficient', statusInfo: STATUS_INFO.insufficient + reasons(blocking) };
  return { status: 'known', statusInfo: STATUS_INFO.known };
}
