import { encodeGoJson } from '../inventory/go-json.js';
import { fetchAdvertisement, multiErrorText, parseTangServers, type TangAdvertisement, type TangServer } from '../net/tang.js';
import { StepArgsError } from '../errors.js';
import { FieldChecks, singleJsonObject } from './args.js';
import { checkListLength, STEP_ARG_LIMITS } from './limits.js';
import { failed, ok, type StepModule } from './types.js';

function parseArgs(args: readonly string[]): TangServer[] {
  const body = singleJsonObject(args, 'TangConnectivityRequest');
  const checks = new FieldChecks();
  const text = checks.string(body, 'tang_servers', { required: true });
  checks.done();
  let servers: TangServer[];
  try {
    servers = parseTangServers(text as string);
  } catch (err) {
    throw new StepArgsError(`failed to unmarshal tang_servers: ${(err as Error).message}`);
  }
  checkListLength(servers.length, STEP_ARG_LIMITS.tangServers, 'tang_servers');
  return servers;
}

// Spelled out as the reference records upstream's failure output; the Go-style encoder's omitempty would drop the false.
const FAILURE_OUTPUT = '{"is_success":false}';

/** GET <url>/adv/<thumbprint> from every tang server; any failure fails the whole step with all reasons. */
const tangConnectivityCheck: StepModule<TangServer[]> = {
  type: 'tang-connectivity-check',
  timeoutMs: 5 * 60_000,
  parseArgs,
  async run(servers, ctx) {
    const errors: string[] = [];
    const adverts: TangAdvertisement[] = [];
    const settled = await Promise.allSettled(servers.map((server) => fetchAdvertisement(server, ctx.signal)));
    for (const result of settled) {
      if (result.status === 'fulfilled') adverts.push(result.value);
      else errors.push((result.reason as Error).message);
    }
    if (errors.length > 0) {
      ctx.log.warn(`tang-connectivity-check: ${errors.join('; ')}`);
      return failed(multiErrorText(errors), -1, FAILURE_OUTPUT);
    }
    return ok(encodeGoJson({ is_success: true, tang_server_response: adverts }));
  },
};

export default tangConnectivityCheck;
