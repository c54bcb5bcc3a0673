import type { CollectorContext } from '../context.js';
import type { LldpNeighbor } from '../extensions.js';
import type { Interface } from '../model.js';
import { readLldpd } from './lldpcli.js';

/** Where an inventory gets LLDP neighbours from; absent (or `--no-lldp`) means none are reported. */
export interface LldpSource {
  /** lldpd's control socket for `lldpcli -u`; lldpcli's own default when absent. */
  lldpdSocket?: string;
  /** The agent's listener, asked when no lldpd answers; it decides whether to wait. */
  listener?: () => Promise<Map<string, LldpNeighbor[]>>;
}

/**
 * Neighbours per local interface name: a running lldpd's when one answers, else the listener's
 * (on the live host only: a recorded fixture replays what lldpcli said when it was recorded).
 */
export async function collectLldp(ctx: CollectorContext, source: LldpSource): Promise<Map<string, LldpNeighbor[]>> {
  const fromLldpd = await readLldpd(ctx.tools, source.lldpdSocket, Date.now());
  if (fromLldpd) return fromLldpd;
  if (source.listener && ctx.live) return source.listener();
  return new Map();
}

/** Sets `lldp` on every interface that has neighbours; the others stay without the field. */
export function attachLldp(interfaces: Interface[], neighbours: Map<string, LldpNeighbor[]>): void {
  for (const iface of interfaces) {
    const found = neighbours.get(iface.name);
    if (found && found.length > 0) iface.lldp = found;
  }
}
