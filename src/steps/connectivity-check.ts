/**
 * connectivity-check: L2/L3/MTU reachability of the other hosts' NICs from this host's outgoing
 * NICs (src/net holds the probes). Replies with a connectivity-report.
 */
import { encodeGoJson } from '../inventory/go-json.js';
import { checkConnectivity, fakeConnectivity } from '../net/connectivity.js';
import type { ConnectivityCheckHost, ConnectivityCheckNic } from '../net/connectivity-model.js';
import { listOutgoingNics } from '../net/outgoing-nics.js';
import { probeRunner } from '../net/probe-runner.js';
import { StepArgsError } from '../errors.js';
import { FieldChecks, singleJsonArg, type JsonObject } from './args.js';
import { checkListLength, STEP_ARG_LIMITS } from './limits.js';
import { failed, ok, type StepModule } from './types.js';

const MODEL = 'ConnectivityCheckParams';
// The swagger pattern of connectivity-check-nic.ip_addresses items: a bare address, no /prefix.
const IP_ADDRESS_PATTERN = '^(?:(?:(?:[0-9]{1,3}\\.){3}[0-9]{1,3})|(?:(?:[0-9a-fA-F]*:[0-9a-fA-F]*){2,}))$';
const IP_ADDRESS_RE = new RegExp(IP_ADDRESS_PATTERN);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * go-openapi names a nested field by its path ("0.nics.1.mac"); FieldChecks looks a field up by the
 * name it reports, so each value is checked under its full path.
 */
function at(path: string, value: unknown): JsonObject {
  return { [path]: value };
}

function parseNic(value: unknown, path: string, checks: FieldChecks): ConnectivityCheckNic | undefined {
  if (!isObject(value)) {
    checks.add(`${path} in body must be of type object: "${Array.isArray(value) ? 'array' : typeof value}"`);
    return undefined;
  }
  const name = checks.string(at(`${path}.name`, value.name), `${path}.name`) ?? '';
  const mac = checks.mac(at(`${path}.mac`, value.mac), `${path}.mac`) ?? '';
  const addresses = checks.stringArray(at(`${path}.ip_addresses`, value.ip_addresses), `${path}.ip_addresses`) ?? [];
  addresses.forEach((address, i) => {
    if (!IP_ADDRESS_RE.test(address)) checks.add(`${path}.ip_addresses.${i} in body should match '${IP_ADDRESS_PATTERN}'`);
  });
  return { name, mac, ip_addresses: addresses };
}

export function parseConnectivityParams(args: readonly string[]): ConnectivityCheckHost[] {
  const value = singleJsonArg(args, MODEL);
  if (!Array.isArray(value)) throw new StepArgsError(`failed to unmarshal ${MODEL}: expected a JSON array`);
  checkListLength(value.length, STEP_ARG_LIMITS.connectivityHosts, 'hosts');
  const checks = new FieldChecks();
  const hosts = value.map((host, i): ConnectivityCheckHost => {
    if (!isObject(host)) {
      checks.add(`${i} in body must be of type object: "${Array.isArray(host) ? 'array' : typeof host}"`);
      return { host_id: '', nics: [] };
    }
    const hostId = checks.uuid(at(`${i}.host_id`, host.host_id), `${i}.host_id`) ?? '';
    let nics: ConnectivityCheckNic[] = [];
    if (host.nics !== undefined && host.nics !== null) {
      if (Array.isArray(host.nics)) {
        checkListLength(host.nics.length, STEP_ARG_LIMITS.nicsPerHost, `${i}.nics`);
        nics = host.nics.flatMap((nic, j) => parseNic(nic, `${i}.nics.${j}`, checks) ?? []);
        for (const [j, nic] of nics.entries()) checkListLength(nic.ip_addresses.length, STEP_ARG_LIMITS.addressesPerNic, `${i}.nics.${j}.ip_addresses`);
      }
      else checks.add(`${i}.nics in body must be of type array: "${typeof host.nics}"`);
    }
    return { host_id: hostId, nics };
  });
  checks.done();
  return hosts;
}

const step: StepModule<ConnectivityCheckHost[]> = {
  type: 'connectivity-check',
  // Each probe ends within seconds (ping -c 10 is the longest); this is only a backstop.
  timeoutMs: 5 * 60_000,
  parseArgs: parseConnectivityParams,
  async run(hosts, ctx) {
    if (ctx.dryRun.enabled) return ok(encodeGoJson(fakeConnectivity(hosts)));
    const run = probeRunner(ctx.run, ctx.signal);
    let nics;
    try {
      nics = await listOutgoingNics(run, ctx.hostFs);
    } catch (err) {
      return failed((err as Error).message);
    }
    ctx.log.debug(`connectivity-check: outgoing NICs ${nics.map((nic) => nic.name).join(', ') || '(none)'}`);
    const errors: string[] = [];
    const report = await checkConnectivity(hosts, {
      run,
      nics,
      onError: (err, what) => {
        ctx.log.warn(`connectivity-check: ${what}: ${err.message}`);
        errors.push(`${what}: ${err.message}`);
      },
    });
    // A probe whose output could not be read loses only its own entry; the rest of the report stands.
    return ok(encodeGoJson(report), errors.join('\n'));
  },
};

export default step;
