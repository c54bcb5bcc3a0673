/**
 * Which upstream validation a name to resolve belongs to. Upstream only validates the names an
 * OpenShift cluster needs: api.<cluster>.<base>, api-int.<cluster>.<base> and the *.apps wildcard
 * (plus the release registry, which an infra-env does not have). Names are mapped to those ids by
 * their shape; a name of no such shape has no upstream id, so it is resolved and its result stored
 * (domain_name_resolutions) but it is not a validation: inventing an id would break upstream
 * clients, and filing it under an id that means something else would mislead them.
 */
import { parseIpv4 } from './ip.js';

export const DNS_VALIDATION_IDS = [
  'api-domain-name-resolved-correctly',
  'api-int-domain-name-resolved-correctly',
  'apps-domain-name-resolved-correctly',
] as const;
export type DnsValidationId = (typeof DNS_VALIDATION_IDS)[number];

/** Case and a trailing root dot do not change the name DNS looks up. */
export function normalizeDomain(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** The host part of the API URL when it is a name (an IP needs no resolution). */
export function apiHostname(apiVipUrl: string | undefined): string | undefined {
  if (!apiVipUrl) return undefined;
  let host: string;
  try {
    host = new URL(apiVipUrl).hostname;
  } catch {
    return undefined;
  }
  if (!host || host.startsWith('[') || parseIpv4(host) !== undefined) return undefined;
  return normalizeDomain(host);
}

export function dnsValidationIdFor(name: string, apiVipUrl?: string): DnsValidationId | undefined {
  const normalized = normalizeDomain(name);
  const labels = normalized.split('.');
  if (labels.length < 2) return undefined;
  if (normalized === apiHostname(apiVipUrl) || labels[0] === 'api') return 'api-domain-name-resolved-correctly';
  if (labels[0] === 'api-int') return 'api-int-domain-name-resolved-correctly';
  if (labels.length >= 3 && labels[1] === 'apps') return 'apps-domain-name-resolved-correctly';
  return undefined;
}
