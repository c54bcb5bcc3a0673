import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { encodeGoJson } from '../inventory/go-json.js';
import { ChronycTimeout, chronyc, type ChronySource } from '../net/chronyc.js';
import { makeResolver } from '../net/dns.js';
import { invalidNtpSource, splitNtpSources } from '../net/ntp-source.js';
import { StepArgsError } from '../errors.js';
import { FieldChecks, singleJsonObject } from './args.js';
import { checkListLength, STEP_ARG_LIMITS } from './limits.js';
import { failed, ok, type StepModule } from './types.js';

const LOOKUP_TIMEOUT_MS = 5_000;

function parseArgs(args: readonly string[]): string[] {
  const body = singleJsonObject(args, 'NtpSynchronizationRequest');
  const checks = new FieldChecks();
  const list = checks.string(body, 'ntp_source', { required: true });
  checks.done();
  checkListLength(splitNtpSources(list as string).length, STEP_ARG_LIMITS.ntpSources, 'ntp_source');
  const invalid = invalidNtpSource(list as string);
  if (invalid) throw new StepArgsError(invalid);
  return splitNtpSources(list as string);
}

/** getaddrinfo cannot be cancelled, so a slow one is abandoned instead of waited for. */
async function withTimeout<T>(work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function addressesOf(source: string): Promise<string[]> {
  if (isIP(source)) return [source];
  const found = await withTimeout(lookup(source, { all: true }), []);
  return found.map((entry) => entry.address);
}

/** chronyc -n lists addresses; the service shows names where reverse DNS has one. */
async function displayName(resolver: ReturnType<typeof makeResolver>, address: string): Promise<string> {
  if (!isIP(address)) return address;
  const names = await withTimeout(resolver.reverse(address), [] as string[]);
  return names[0]?.replace(/\.$/, '') || address;
}

/**
 * Adds the requested sources that chrony does not have yet (by name, or by any address the name
 * resolves to), then reports every server chrony knows with its state. Failures to add are only
 * logged: the report shows what chrony ended up with.
 */
const ntpSynchronizer: StepModule<string[]> = {
  type: 'ntp-synchronizer',
  timeoutMs: 5 * 60_000,
  parseArgs,
  async run(requested, ctx) {
    const chrony = chronyc(ctx.run, ctx.signal);
    try {
      let known: ChronySource[] = [];
      try {
        known = await chrony.sources();
      } catch (err) {
        if (err instanceof ChronycTimeout) throw err;
        ctx.log.warn(`ntp-synchronizer: ${(err as Error).message}`);
      }
      const names = new Set(known.map((source) => source.name));
      for (const source of requested) {
        if (names.has(source) || (await addressesOf(source)).some((address) => names.has(address))) continue;
        const problem = await chrony.addServer(source);
        if (problem) ctx.log.warn(`ntp-synchronizer: chronyc add server ${source}: ${problem}`);
      }
      const sources = await chrony.sources();
      const resolver = makeResolver();
      const ntp_sources = await Promise.all(
        sources.map(async (source) => ({ source_name: await displayName(resolver, source.name), source_state: source.state })),
      );
      return ok(encodeGoJson({ ntp_sources }));
    } catch (err) {
      return failed((err as Error).message);
    }
  },
};

export default ntpSynchronizer;
