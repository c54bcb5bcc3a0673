import { Resolver } from 'node:dns/promises';

/**
 * Where queries go: the servers of /etc/resolv.conf (read by c-ares when a Resolver is made, so an
 * `ip netns exec` bind mount of /etc/netns/<ns>/resolv.conf is honoured), unless INBAND_DNS_SERVER
 * names one server ("192.0.2.53" or "192.0.2.53:5353") — a test and debugging aid upstream lacks.
 */
export const DNS_SERVER_ENV = 'INBAND_DNS_SERVER';
const QUERY_TIMEOUT_MS = 5_000;
const QUERY_TRIES = 2;
// Go follows at most this many CNAME hops before giving up on a name, so do we.
const MAX_CNAME_HOPS = 10;

export interface Resolution {
  domain_name: string;
  ipv4_addresses: string[];
  ipv6_addresses: string[];
  /** The canonical name (trailing dot, as Go reports it), or null when the name resolves to nothing. */
  cnames: string[] | null;
}

export function makeResolver(env: NodeJS.ProcessEnv = process.env): Resolver {
  const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: QUERY_TRIES });
  const server = env[DNS_SERVER_ENV];
  if (server) resolver.setServers([server]);
  return resolver;
}

/** "The name has no such records" answers: NXDOMAIN and NOERROR-without-data are findings, not failures. */
const NO_ANSWER = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

export function isNoAnswer(err: unknown): boolean {
  return NO_ANSWER.has((err as { code?: string }).code ?? '');
}

async function records(query: () => Promise<string[]>, onError: (err: unknown) => void): Promise<string[]> {
  try {
    return await query();
  } catch (err) {
    if (!isNoAnswer(err)) onError(err);
    return [];
  }
}

/** Follows the CNAME chain to its end, as Go's LookupCNAME: a name without one is its own canonical name. */
async function canonicalName(resolver: Resolver, name: string, resolved: boolean): Promise<string | undefined> {
  let current = name.replace(/\.$/, '');
  let followed = false;
  for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
    let targets: string[];
    try {
      targets = await resolver.resolveCname(current);
    } catch {
      break;
    }
    const next = targets[0];
    if (!next) break;
    current = next.replace(/\.$/, '');
    followed = true;
  }
  if (!followed && !resolved) return undefined;
  return `${current}.`;
}

/**
 * A, AAAA and canonical name of one domain. Errors other than "no such name/records" (a timeout, a
 * SERVFAIL) are reported through onError and leave the lists empty, so one bad name cannot hide the
 * answers for the others.
 */
export async function resolveDomain(resolver: Resolver, name: string, onError: (err: unknown) => void = () => undefined): Promise<Resolution> {
  const [ipv4, ipv6] = await Promise.all([records(() => resolver.resolve4(name), onError), records(() => resolver.resolve6(name), onError)]);
  const cname = await canonicalName(resolver, name, ipv4.length + ipv6.length > 0);
  return { domain_name: name, ipv4_addresses: ipv4, ipv6_addresses: ipv6, cnames: cname ? [cname] : null };
}
