import type { LldpNeighbor } from '../extensions.js';
import { MAX_NEIGHBOURS_PER_NIC } from './limits.js';
import type { LldpAdvert } from './tlv.js';

interface Entry {
  advert: LldpAdvert;
  /** Same text for the same advertisement: a refresh is told from a change by comparing it. */
  content: string;
  /** When this advertisement was first received: what seen_at reports. */
  sinceMs: number;
  /** When a frame of it was last received. */
  lastHeardMs: number;
  expiresAtMs: number;
}

export type ObserveOutcome = 'stored' | 'removed' | 'refused';

/**
 * The latest frame per NIC and neighbour (chassis ID + port ID), each kept for the TTL it was sent
 * with. A TTL of 0 is the neighbour saying goodbye: it goes at once. A NIC that already holds
 * MAX_NEIGHBOURS_PER_NIC neighbours refuses newcomers (the ones it has keep being refreshed), so a
 * flood of invented chassis IDs cannot push the real switch out.
 */
export class NeighbourTable {
  private readonly byNic = new Map<string, Map<string, Entry>>();

  observe(nic: string, advert: LldpAdvert, seenAtMs: number): ObserveOutcome {
    const key = `${advert.chassis_id_subtype}\u0000${advert.chassis_id}\u0000${advert.port_id_subtype}\u0000${advert.port_id}`;
    if (advert.ttl_seconds === 0) {
      this.byNic.get(nic)?.delete(key);
      return 'removed';
    }
    let entries = this.byNic.get(nic);
    if (!entries?.has(key)) {
      this.expire(seenAtMs);
      entries = this.byNic.get(nic);
      if (entries && entries.size >= MAX_NEIGHBOURS_PER_NIC) return 'refused';
    }
    if (!entries) {
      entries = new Map();
      this.byNic.set(nic, entries);
    }
    const content = JSON.stringify(advert);
    const previous = entries.get(key);
    const sinceMs = previous && previous.content === content ? previous.sinceMs : seenAtMs;
    entries.set(key, { advert, content, sinceMs, lastHeardMs: seenAtMs, expiresAtMs: seenAtMs + advert.ttl_seconds * 1000 });
    return 'stored';
  }

  /** Everything a NIC that went away had told us. */
  forget(nic: string): void {
    this.byNic.delete(nic);
  }

  /**
   * The neighbours whose TTL has not run out at `nowMs`, per NIC, in the order first heard.
   * seen_at is when the current advertisement was first received (as lldpd's age counts), so an
   * inventory stays the same while the neighbour keeps sending the same frame.
   */
  snapshot(nowMs: number): Map<string, LldpNeighbor[]> {
    this.expire(nowMs);
    const out = new Map<string, LldpNeighbor[]>();
    for (const [nic, entries] of this.byNic) {
      const neighbours = [...entries.values()]
        .map((entry): LldpNeighbor => ({ ...entry.advert, seen_at: new Date(entry.sinceMs).toISOString(), source: 'listener' }));
      if (neighbours.length > 0) out.set(nic, neighbours);
    }
    return out;
  }

  /** NICs with at least one neighbour seen at or after `sinceMs`. */
  nicsHeardSince(sinceMs: number, nowMs: number): Set<string> {
    this.expire(nowMs);
    const heard = new Set<string>();
    for (const [nic, entries] of this.byNic) {
      for (const entry of entries.values()) {
        if (entry.lastHeardMs >= sinceMs) {
          heard.add(nic);
          break;
        }
      }
    }
    return heard;
  }

  private expire(nowMs: number): void {
    for (const [nic, entries] of this.byNic) {
      for (const [key, entry] of entries) if (entry.expiresAtMs <= nowMs) entries.delete(key);
      if (entries.size === 0) this.byNic.delete(nic);
    }
  }
}
