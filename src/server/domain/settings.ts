/** The infra-env settings the scheduler sends and the validations judge, read one way for both. */
import type { InfraEnvRecord } from '../model.js';

/**
 * Upstream sends either of its two NTP fields; here both are the operator's sources to sync with,
 * so they are merged. Order is kept and duplicates dropped so the step argument stays stable.
 */
export function ntpSourcesOf(infraEnv: InfraEnvRecord): string[] {
  const sources: string[] = [];
  for (const field of [infraEnv.ntpSources, infraEnv.additionalNtpSources]) {
    for (const source of (field ?? '').split(',')) {
      const trimmed = source.trim();
      if (trimmed && !sources.includes(trimmed)) sources.push(trimmed);
    }
  }
  return sources;
}

/**
 * The names to resolve, each once. Case does not matter to DNS, but a trailing dot does (it turns
 * off the resolver's search domains, which is why upstream probes names both ways), so it is kept.
 */
export function domainsOf(infraEnv: InfraEnvRecord): string[] {
  const seen = new Set<string>();
  const domains: string[] = [];
  for (const name of infraEnv.domainsToResolve ?? []) {
    const trimmed = name.trim();
    const key = trimmed.toLowerCase();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    domains.push(trimmed);
  }
  return domains;
}
