import type { CollectorContext } from '../context.js';
import type { Route } from '../model.js';
import { ipRoutes, type IpRoute } from './ip-json.js';

const AF_INET = 2;
const AF_INET6 = 10;

/** The main routing table of both families, as upstream reads it through netlink. */
export async function collectRoutes(ctx: CollectorContext): Promise<Route[]> {
  const [v4, v6] = await Promise.all([ipRoutes(ctx, 4), ipRoutes(ctx, 6)]);
  return [...toRoutes(v4 ?? [], AF_INET), ...toRoutes(v6 ?? [], AF_INET6)];
}

/**
 * Destination without its prefix length ("default" is the family's zero address); gateway and
 * interface of the first next hop of a multipath route. A route without an interface (blackhole,
 * prohibit) is skipped, as upstream skips routes whose link it cannot look up.
 */
export function toRoutes(routes: readonly IpRoute[], family: number): Route[] {
  const out: Route[] = [];
  for (const route of routes) {
    const firstHop = route.nexthops?.[0];
    const dev = firstHop?.dev ?? route.dev;
    if (!dev) continue;
    const dst = route.dst === undefined || route.dst === 'default' ? (family === AF_INET ? '0.0.0.0' : '::') : (route.dst.split('/')[0] ?? '');
    out.push({
      destination: dst,
      family,
      gateway: firstHop?.gateway ?? route.gateway ?? '',
      interface: dev,
      metric: route.metric ?? 0,
    });
  }
  return out;
}
