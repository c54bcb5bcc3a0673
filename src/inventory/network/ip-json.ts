import type { CollectorContext } from '../context.js';
import { describeFailure } from '../host-tools.js';

/** One link of `ip -j -d addr show`, with only the fields the inventory reads. */
export interface IpLink {
  ifindex: number;
  ifname: string;
  flags?: string[];
  mtu?: number;
  operstate?: string;
  address?: string;
  /** IFLA_PERM_ADDRESS; iproute2 prints it only when it differs from `address`. */
  permaddr?: string;
  linkinfo?: {
    info_kind?: string;
    info_slave_kind?: string;
    info_slave_data?: { perm_hwaddr?: string };
  };
  addr_info?: IpAddress[];
}

export interface IpAddress {
  family?: string;
  local?: string;
  prefixlen?: number;
}

/** One route of `ip -j route show table main`. */
export interface IpRoute {
  dst?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  metric?: number;
  nexthops?: { gateway?: string; dev?: string }[];
}

/**
 * Links with their details and addresses in one `ip` run (`-d` adds the link kind and bond-slave
 * data that `ip addr` alone lacks). Shared by the interfaces and hostname logic; undefined when ip failed.
 */
export function ipLinks(ctx: CollectorContext): Promise<IpLink[] | undefined> {
  return ctx.shared('ip-links', () => runIpJson<IpLink>(ctx, ['-j', '-d', 'addr', 'show']));
}

/** The main routing table of one family: 4 or 6. Shared by routes and the IPv6 prefix fix-up of interfaces. */
export function ipRoutes(ctx: CollectorContext, family: 4 | 6): Promise<IpRoute[] | undefined> {
  const args = family === 4 ? ['-j', 'route', 'show', 'table', 'main'] : ['-j', '-6', 'route', 'show', 'table', 'main'];
  return ctx.shared(`ip-routes-${family}`, () => runIpJson<IpRoute>(ctx, args));
}

async function runIpJson<T>(ctx: CollectorContext, args: string[]): Promise<T[] | undefined> {
  const result = await ctx.tools.run('ip', args, 10_000);
  if (result.exitCode !== 0) {
    ctx.log.warn(`network: ip ${args.join(' ')} failed`, { error: describeFailure(result) });
    return undefined;
  }
  try {
    const parsed = JSON.parse(result.stdout) as unknown;
    if (!Array.isArray(parsed)) throw new Error('not a JSON array');
    return parsed as T[];
  } catch (err) {
    ctx.log.warn(`network: cannot parse the output of ip ${args.join(' ')}`, { error: String(err) });
    return undefined;
  }
}
