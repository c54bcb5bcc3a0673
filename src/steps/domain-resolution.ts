import { encodeGoJson } from '../inventory/go-json.js';
import { makeResolver, resolveDomain } from '../net/dns.js';
import { StepArgsError } from '../errors.js';
import { FieldChecks, singleJsonObject } from './args.js';
import { checkListLength, STEP_ARG_LIMITS } from './limits.js';
import { ok, type StepModule } from './types.js';

export const MISSING_DOMAIN_NAME = 'Every domain in a domain request must have a domain name field';

function parseArgs(args: readonly string[]): string[] {
  const body = singleJsonObject(args, 'DomainResolutionRequest');
  const checks = new FieldChecks();
  if (body.domains === undefined || body.domains === null) checks.add('domains in body is required');
  else if (!Array.isArray(body.domains)) checks.add(`domains in body must be of type array: "${typeof body.domains}"`);
  checks.done();
  checkListLength((body.domains as unknown[]).length, STEP_ARG_LIMITS.domains, 'domains');
  const names: string[] = [];
  for (const domain of body.domains as unknown[]) {
    const name = typeof domain === 'object' && domain !== null ? (domain as Record<string, unknown>).domain_name : undefined;
    if (name === undefined || name === null) throw new StepArgsError(MISSING_DOMAIN_NAME);
    if (typeof name !== 'string') throw new StepArgsError(`domain_name in body must be of type string: "${typeof name}"`);
    names.push(name);
  }
  return names;
}

/** A, AAAA and CNAME of each requested domain, resolved concurrently; NXDOMAIN gives empty lists. */
const domainResolution: StepModule<string[]> = {
  type: 'domain-resolution',
  timeoutMs: 5 * 60_000,
  parseArgs,
  async run(names, ctx) {
    const resolver = makeResolver();
    const stop = (): void => resolver.cancel();
    ctx.signal.addEventListener('abort', stop, { once: true });
    try {
      const resolutions = await Promise.all(
        names.map((name) => resolveDomain(resolver, name, (err) => ctx.log.warn(`domain-resolution: ${name}: ${(err as Error).message}`))),
      );
      return ok(encodeGoJson({ resolutions }));
    } finally {
      ctx.signal.removeEventListener('abort', stop);
    }
  },
};

export default domainResolution;
