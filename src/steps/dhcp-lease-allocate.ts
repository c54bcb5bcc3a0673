import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TIMEOUT_EXIT_CODE, type CommandRunner } from '../host/command-runner.js';
import { encodeGoJson } from '../inventory/go-json.js';
import {
  dhclientArgs,
  dhclientArgsWithConfig,
  dhclientConfig,
  extractLastLease,
  lacksHostNameOption,
  leaseAddress,
  rebindLease,
  type DhclientPlan,
} from '../net/dhclient.js';
import { deleteMacvlan, ensureMacvlan } from '../net/macvlan.js';
import { FieldChecks, singleJsonObject } from './args.js';
import { failed, ok, type StepModule } from './types.js';

export interface DhcpAllocationRequest {
  interface: string;
  apiVipMac: string;
  ingressVipMac: string;
  apiVipLease?: string;
  ingressVipLease?: string;
}

/**
 * Where leases are kept: upstream's /etc/keepalived (keepalived reads them there). INBAND_LEASE_DIR
 * moves them, so tests and unprivileged trials do not write into /etc.
 */
export function leaseDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INBAND_LEASE_DIR || '/etc/keepalived';
}

/**
 * Upstream's 28 s per dhclient run. INBAND_DHCP_TIMEOUT_S shortens it for tests of the "no DHCP
 * server" path, which would otherwise wait the full time twice.
 */
export function dhclientTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const override = Number(env.INBAND_DHCP_TIMEOUT_S);
  return Number.isFinite(override) && override > 0 ? override : 28;
}

class DhcpError extends Error {}

/**
 * dhclient under coreutils' timeout, as upstream runs it. The runner's own timeout would not do:
 * Debian's dhclient forks at start and the child holds the output pipes, so killing the process
 * the runner started leaves the child running (and the runner waiting) until dhclient's own 60 s
 * give-up. timeout(1) signals the whole process group. The runner's limit stays as a backstop.
 */
async function runDhclient(run: CommandRunner, plan: DhclientPlan, timeoutS: number, signal?: AbortSignal): Promise<void> {
  const options = { timeoutMs: (timeoutS + 10) * 1000, signal };
  const dhclient = (args: string[]) => run('timeout', [String(timeoutS), 'dhclient', ...args], options);
  let result = await dhclient(dhclientArgs(plan));
  if (result.exitCode !== 0 && lacksHostNameOption(result.stderr + result.stdout)) {
    const configFile = path.join(path.dirname(plan.leaseFile), `dhclient-${plan.ifname}.conf`);
    await fs.writeFile(configFile, dhclientConfig(plan));
    result = await dhclient(dhclientArgsWithConfig(plan, configFile));
  }
  if (result.timedOut || result.exitCode === TIMEOUT_EXIT_CODE) throw new DhcpError(`dhclient was timed out after ${timeoutS} seconds`);
  if (result.exitCode !== 0) {
    throw new DhcpError(`dhclient exited with non-zero exit code ${result.exitCode}: ${(result.stderr + result.stdout).trim()}`);
  }
}

/** Stops the dhclient daemon that stayed behind to renew: the lease is the service's to manage from here. */
async function stopDaemon(pidFile: string): Promise<void> {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  // Only a dhclient: the pid file may be stale and the number reused by an unrelated process.
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline.includes('dhclient') && cmdline.includes(pidFile)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await fs.rm(pidFile, { force: true });
}

interface Allocation {
  address: string;
  lease: string;
}

async function allocate(
  run: CommandRunner,
  name: 'api' | 'ingress',
  parent: string,
  mac: string,
  storedLease: string | undefined,
  signal?: AbortSignal,
): Promise<Allocation> {
  const dir = leaseDir();
  const plan: DhclientPlan = { ifname: name, mac, leaseFile: path.join(dir, `lease-${name}`), pidFile: path.join(dir, `dhclient-${name}.pid`) };
  await ensureMacvlan(run, name, parent, mac);
  try {
    // Without a stored lease the old file goes: it may hold a lease for a MAC the VIP no longer has.
    if (storedLease) await fs.writeFile(plan.leaseFile, `${rebindLease(storedLease, name).trimEnd()}\n`);
    else await fs.rm(plan.leaseFile, { force: true });
    try {
      await runDhclient(run, plan, dhclientTimeoutSeconds(), signal);
    } finally {
      await stopDaemon(plan.pidFile);
    }
    const text = await fs.readFile(plan.leaseFile, 'utf8').catch(() => '');
    const lease = extractLastLease(text);
    const address = lease && leaseAddress(lease);
    if (!lease || !address) throw new DhcpError(`no lease with an address found in ${plan.leaseFile}`);
    return { address, lease };
  } finally {
    const problem = await deleteMacvlan(run, name);
    if (problem) throw new DhcpError(`failed to delete macvlan ${name}: ${problem}`);
  }
}

/**
 * `dhcp-lease-allocate`: DHCP addresses for the API and ingress VIPs, obtained from macvlans with
 * the VIP MACs on the given interface, one after the other as upstream does.
 */
const dhcpLeaseAllocate: StepModule<DhcpAllocationRequest> = {
  type: 'dhcp-lease-allocate',
  // Two dhclient runs at their timeout, plus interface handling.
  timeoutMs: 2 * 60_000 + 2 * dhclientTimeoutSeconds() * 1000,
  parseArgs(args) {
    const body = singleJsonObject(args, 'dhcp_allocation_request');
    const checks = new FieldChecks();
    const request = {
      apiVipMac: checks.mac(body, 'api_vip_mac', { required: true }) ?? '',
      ingressVipMac: checks.mac(body, 'ingress_vip_mac', { required: true }) ?? '',
      interface: checks.interfaceName(body, 'interface', { required: true }) ?? '',
      apiVipLease: checks.string(body, 'api_vip_lease'),
      ingressVipLease: checks.string(body, 'ingress_vip_lease'),
    };
    checks.done();
    return request;
  },
  async run(request, ctx) {
    try {
      await fs.mkdir(leaseDir(), { recursive: true });
      const api = await allocate(ctx.run, 'api', request.interface, request.apiVipMac, request.apiVipLease, ctx.signal);
      const ingress = await allocate(ctx.run, 'ingress', request.interface, request.ingressVipMac, request.ingressVipLease, ctx.signal);
      return ok(
        encodeGoJson({
          api_vip_address: api.address,
          api_vip_lease: api.lease,
          ingress_vip_address: ingress.address,
          ingress_vip_lease: ingress.lease,
        }),
      );
    } catch (err) {
      return failed((err as Error).message);
    }
  },
};

export default dhcpLeaseAllocate;
