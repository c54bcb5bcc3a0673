/** The `network` category: contact with the service, the other hosts, time and names. */
import type { HostRecord, InfraEnvRecord, Validation } from '../model.js';
import { DNS_VALIDATION_IDS, dnsValidationIdFor, type DnsValidationId } from './dns.js';
import { MISSING_INVENTORY, validation } from './hardware-validations.js';
import { isUnspecified, stripPrefix } from './ip.js';
import { isPeer, peerSummary } from './peers.js';
import { DISCONNECTION_TIMEOUT_MS, MAX_SERVICE_AHEAD_MS, MAX_SERVICE_BEHIND_MS } from './requirements.js';
import {
  apiVipConnectivityResponse,
  type ConnectivityRemoteHost,
  connectivityReport,
  domainResolutionResponse,
  type Inventory,
  ntpSources,
} from './responses.js';
import { domainsOf, ntpSourcesOf } from './settings.js';
import { readInventory, readStored } from './stored.js';

/** The last heartbeat; a record without a usable check-in time counts from its registration. */
export function lastContact(host: HostRecord): number {
  const checkedIn = Date.parse(host.checkedInAt);
  return Number.isNaN(checkedIn) ? Date.parse(host.registeredAt) : checkedIn;
}

export function isConnected(host: HostRecord, now: Date): boolean {
  const last = lastContact(host);
  return !Number.isNaN(last) && now.getTime() - last <= DISCONNECTION_TIMEOUT_MS;
}

export function connected(host: HostRecord, now: Date): Validation {
  if (isConnected(host, now)) return validation('connected', 'success', 'The host is checking in with the service');
  return validation('connected', 'failure', `The host has not checked in for more than ${DISCONNECTION_TIMEOUT_MS / 60_000} minutes`);
}

export function mediaConnected(host: HostRecord): Validation {
  if (host.mediaStatus === 'disconnected') {
    return validation('media-connected', 'failure', 'The discovery media was disconnected; the agent cannot read from it');
  }
  return validation('media-connected', 'success', 'The discovery media is connected');
}

/**
 * A step's data has not arrived: that is pending, unless the step itself failed, in which case
 * waiting would be forever and the operator should see why.
 */
function awaiting(host: HostRecord, id: string, stepType: string, pendingMessage: string): Validation {
  const error = host.stepErrors?.[stepType];
  if (error !== undefined) return validation(id, 'failure', `The ${stepType} step failed${error ? `: ${error}` : ''}`);
  return validation(id, 'pending', pendingMessage);
}

function reaches(remote: ConnectivityRemoteHost): boolean {
  return (remote.l2_connectivity ?? []).some((c) => c.successful) || (remote.l3_connectivity ?? []).some((c) => c.successful);
}

/**
 * inband's rule (upstream judges day-2 and unbound hosts as always fine, so it has none to copy):
 * the host must reach, at L2 or L3 on any NIC, every other host that is a connectivity-check target
 * (past discovery, connected, with addressed NICs) and that its latest report covers. Targets the
 * report does not cover yet (hosts that joined after the last check, or beyond the step's peer
 * cap) are judged at the next report rather than failing every host whenever one joins; a host
 * whose report covers no current target at all has nothing to be judged on yet and is pending.
 * Only the host's own report counts, so one host with a broken NIC fails alone.
 */
export function belongsToMajorityGroup(host: HostRecord, others: HostRecord[]): Validation {
  const id = 'belongs-to-majority-group';
  const report = readStored(host.connectivity, connectivityReport);
  const remotes = new Map((report?.remote_hosts ?? []).map((remote) => [remote.host_id, remote]));
  let targets = 0;
  let covered = 0;
  const unreachable: string[] = [];
  for (const other of others) {
    if (!isPeer(host, other) || !peerSummary(other).target) continue;
    targets += 1;
    // Without a report, one target is enough to know the host awaits one.
    if (remotes.size === 0) break;
    const remote = remotes.get(other.id);
    if (!remote) continue;
    covered += 1;
    if (!reaches(remote)) unreachable.push(other.id);
  }
  if (targets === 0) return validation(id, 'success', 'No other hosts in the infra-env to check connectivity with');
  if (covered === 0) return awaiting(host, id, 'connectivity-check', 'Missing connectivity report for the other hosts');
  if (unreachable.length > 0) {
    const shown = unreachable.length > 5 ? [...unreachable.slice(0, 5), `and ${unreachable.length - 5} more`] : unreachable;
    return validation(id, 'failure', `No connectivity to ${unreachable.length} of ${covered} other hosts: ${shown.join(', ')}`);
  }
  return validation(id, 'success', 'The host has connectivity to the other hosts of the infra-env');
}

export function ntpSynced(host: HostRecord, infraEnv: InfraEnvRecord): Validation {
  const id = 'ntp-synced';
  const configured = ntpSourcesOf(infraEnv);
  if (configured.length === 0) return validation(id, 'disabled', 'No NTP sources are configured for the infra-env');
  const sources = readStored(host.ntpSources, ntpSources);
  if (!sources) return awaiting(host, id, 'ntp-synchronizer', 'Missing NTP synchronization report');
  const synced = sources.find((source) => source.source_state === 'synced');
  if (synced) return validation(id, 'success', `Host NTP is synced with ${synced.source_name ?? 'a source'}`);
  return validation(id, 'failure', `The host could not synchronize with any NTP source (configured: ${configured.join(', ')})`);
}

export function timeSynced(host: HostRecord): Validation {
  const id = 'time-synced-between-host-and-service';
  if (host.timestamp === undefined) return validation(id, 'pending', 'Missing host time');
  // The timestamp was sent with the last poll, whose arrival time is checkedInAt: comparing the two
  // measures clock skew alone, not how long ago the host polled.
  const serviceMs = lastContact(host);
  const skew = serviceMs - host.timestamp * 1000;
  const minutes = Math.round(Math.abs(skew) / 60_000);
  if (skew > MAX_SERVICE_AHEAD_MS) {
    return validation(id, 'failure', `The host clock is ${minutes} minutes behind the service (at most ${MAX_SERVICE_AHEAD_MS / 60_000} allowed); configure NTP`);
  }
  if (-skew > MAX_SERVICE_BEHIND_MS) {
    return validation(id, 'failure', `The host clock is ${minutes} minutes ahead of the service (at most ${MAX_SERVICE_BEHIND_MS / 60_000} allowed); configure NTP`);
  }
  return validation(id, 'success', 'The host clock is synchronized with the service');
}

export function hasDefaultRoute(inventory: Inventory | undefined): Validation {
  const id = 'has-default-route';
  if (!inventory) return validation(id, 'pending', MISSING_INVENTORY);
  const found = (inventory.routes ?? []).some((route) => route.destination !== undefined && isUnspecified(stripPrefix(route.destination)));
  if (found) return validation(id, 'success', 'The host has a default route');
  return validation(id, 'failure', 'The host has no default route');
}

/** Day-2 hosts fetch their ignition through the API; upstream calls this check ignition-downloadable. */
export function ignitionDownloadable(host: HostRecord, infraEnv: InfraEnvRecord): Validation {
  const id = 'ignition-downloadable';
  const url = infraEnv.apiVipUrl;
  if (!url) return validation(id, 'disabled', 'No API URL is configured for the infra-env');
  const result = readStored(host.apiVipConnectivity, apiVipConnectivityResponse);
  // A result for another URL predates the operator's change and says nothing about this one.
  if (!result || (result.url !== undefined && result.url !== url)) {
    return awaiting(host, id, 'api-vip-connectivity-check', `Missing API connectivity report for ${url}`);
  }
  if (result.is_success) return validation(id, 'success', `The ignition can be downloaded from ${url}`);
  const why = result.download_error ? `: ${result.download_error}` : '';
  return validation(id, 'failure', `The ignition cannot be downloaded from ${url}${why}`);
}

/** See dns.ts for how names map to ids and why some names have none. */
export function domainValidations(host: HostRecord, infraEnv: InfraEnvRecord): Validation[] {
  const byId = new Map<DnsValidationId, string[]>();
  for (const name of domainsOf(infraEnv)) {
    const id = dnsValidationIdFor(name, infraEnv.apiVipUrl);
    if (id) byId.set(id, [...(byId.get(id) ?? []), name]);
  }
  const response = readStored(host.domainNameResolutions, domainResolutionResponse);
  const resolutions = response?.resolutions ?? [];
  const lookup = (name: string) =>
    resolutions.find((r) => r.domain_name === name) ?? resolutions.find((r) => r.domain_name?.toLowerCase() === name.toLowerCase());
  return DNS_VALIDATION_IDS.map((id) => {
    const names = byId.get(id);
    if (!names) return validation(id, 'disabled', `No ${kindOf(id)} name is configured to resolve`);
    const missing = names.filter((name) => !lookup(name));
    const failed = names.filter((name) => {
      const r = lookup(name);
      return r !== undefined && !(r.ipv4_addresses?.length || r.ipv6_addresses?.length);
    });
    if (failed.length > 0) return validation(id, 'failure', `Domain name resolution failed for ${failed.join(', ')}`);
    if (missing.length > 0) return awaiting(host, id, 'domain-resolution', `Missing domain name resolution for ${missing.join(', ')}`);
    return validation(id, 'success', `Domain name resolution succeeded for ${names.join(', ')}`);
  });
}

function kindOf(id: DnsValidationId): string {
  return id === 'api-domain-name-resolved-correctly' ? 'API' : id === 'api-int-domain-name-resolved-correctly' ? 'internal API' : 'apps';
}

export function networkValidations(host: HostRecord, infraEnv: InfraEnvRecord, others: HostRecord[], now: Date): Validation[] {
  return [
    connected(host, now),
    mediaConnected(host),
    belongsToMajorityGroup(host, others),
    ntpSynced(host, infraEnv),
    timeSynced(host),
    hasDefaultRoute(readInventory(host)),
    ignitionDownloadable(host, infraEnv),
    ...domainValidations(host, infraEnv),
  ];
}
