import { StepArgsError } from '../errors.js';
import type { CommandRunner } from '../host/command-runner.js';
import { encodeGoJson } from '../inventory/go-json.js';
import { CidrError, formatNetwork, networkAddresses, parseCanonicalIpv4Cidr, splitNetwork, type Ipv4Network } from '../net/cidr.js';
import { parseNmapXml, upAddresses } from '../net/nmap-xml.js';
import { singleJsonArg } from './args.js';
import { DEFAULT_STEP_TIMEOUT_MS, failed, ok, type StepModule } from './types.js';

/** Larger networks are swept in chunks of this size, so no single nmap run holds a huge target list. */
export const MIN_SUBNET_PREFIX = 22;
/** Once this many free addresses are known no further chunk is started: the service needs a few, not all. */
export const ADDRESS_LIMIT = 8000;
/**
 * The largest network swept. Upstream sweeps any network chunk by chunk until ADDRESS_LIMIT, so
 * `0.0.0.0/0` probes 8,000 addresses off the host's own segment (nmap falls back from ARP to
 * ICMP and TCP probes for them); a /16 is 64 chunks and every network a host sits on.
 */
export const MAX_NETWORK_PREFIX = 16;
/** The service sends one network per host address; this is far beyond a real host. */
export const MAX_NETWORKS = 64;
const NMAP_TIMEOUT_MS = 5 * 60_000;
// Chunks are independent sweeps; a few at a time keeps a /18 well inside the step timeout without
// flooding the segment with ARP.
const CONCURRENT_CHUNKS = 4;

/**
 * An ARP ping sweep. `--min-rate` is this agent's addition to upstream's command: without it nmap
 * waits out its adaptive timeouts for every silent address, which roughly doubles a /24 sweep
 * (measured ~1.9 s → ~0.8 s) while hosts that are up answer just the same.
 */
export function nmapSweepArgs(chunk: string): string[] {
  return ['-sn', '-PR', '-n', '--min-rate', '1000', '-oX', '-', chunk];
}

async function freeInChunk(run: CommandRunner, chunk: Ipv4Network, signal?: AbortSignal): Promise<string[]> {
  const target = formatNetwork(chunk);
  const result = await run('nmap', nmapSweepArgs(target), { timeoutMs: NMAP_TIMEOUT_MS, signal });
  if (result.exitCode !== 0) throw new Error(`failed to scan ${target}: nmap exited with code ${result.exitCode}: ${result.stderr.trim()}`);
  const taken = new Set(upAddresses(parseNmapXml(result.stdout), 'ipv4'));
  return networkAddresses(chunk).filter((address) => !taken.has(address));
}

export interface FreeNetworkAddresses {
  network: string;
  free_addresses: string[];
}

/**
 * Sweeps the networks' chunks in order, a few concurrently, and keeps results in request order.
 * Chunks are only started while fewer than ADDRESS_LIMIT free addresses are known; results of
 * chunks already running when the limit is reached are dropped, so the output does not depend on
 * which sweep happened to finish first.
 */
export async function scanFreeAddresses(run: CommandRunner, networks: readonly Ipv4Network[], signal?: AbortSignal): Promise<FreeNetworkAddresses[]> {
  // Indexed by request position: the same CIDR twice gets two entries, as it would upstream.
  const entries: FreeNetworkAddresses[] = [];
  const chunks = (function* () {
    for (const [index, network] of networks.entries()) for (const chunk of splitNetwork(network, MIN_SUBNET_PREFIX)) yield { index, chunk };
  })();
  const inFlight: { index: number; result: Promise<string[]> }[] = [];
  let total = 0;
  let exhausted = false;
  const refill = (): void => {
    while (!exhausted && inFlight.length < CONCURRENT_CHUNKS) {
      const next = chunks.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      const result = freeInChunk(run, next.value.chunk, signal);
      result.catch(() => undefined); // awaited in order below; this only silences early rejections
      inFlight.push({ index: next.value.index, result });
    }
  };
  refill();
  while (inFlight.length > 0) {
    const head = inFlight.shift()!;
    const free = await head.result;
    total += free.length;
    const entry = (entries[head.index] ??= { network: formatNetwork(networks[head.index]!), free_addresses: [] });
    entry.free_addresses.push(...free);
    if (total >= ADDRESS_LIMIT) break;
    refill();
  }
  return entries.filter((entry) => entry !== undefined);
}

let scanning = false;

/**
 * `free-network-addresses` (tool free_addresses): the addresses of each IPv4 network that nobody
 * answers on. One argument, the JSON array of CIDRs.
 */
const freeNetworkAddresses: StepModule<string[]> = {
  type: 'free-network-addresses',
  timeoutMs: DEFAULT_STEP_TIMEOUT_MS,
  parseArgs(args) {
    const value = singleJsonArg(args, 'free_addresses_request');
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new StepArgsError('failed to unmarshal free_addresses_request: expected a JSON array of CIDR strings');
    }
    if (value.length > MAX_NETWORKS) throw new StepArgsError(`free_addresses_request lists ${value.length} networks; at most ${MAX_NETWORKS} are scanned`);
    return value as string[];
  },
  async run(cidrs, ctx) {
    let networks: Ipv4Network[];
    try {
      networks = cidrs.map(parseCanonicalIpv4Cidr);
    } catch (err) {
      if (err instanceof CidrError) return failed(err.message);
      throw err;
    }
    const tooLarge = networks.find((network) => network.prefix < MAX_NETWORK_PREFIX);
    if (tooLarge) return failed(`Requested network ${formatNetwork(tooLarge)} is larger than /${MAX_NETWORK_PREFIX}, the largest network the scanner sweeps`);
    // Upstream answers an overlapping request with empty output while its scanner container runs;
    // two sweeps of the same segment at once would only slow both down.
    if (scanning) return ok('');
    scanning = true;
    try {
      return ok(encodeGoJson(await scanFreeAddresses(ctx.run, networks, ctx.signal)));
    } catch (err) {
      return failed((err as Error).message);
    } finally {
      scanning = false;
    }
  },
};

export default freeNetworkAddresses;
