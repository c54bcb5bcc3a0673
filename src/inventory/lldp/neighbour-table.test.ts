import { describe, expect, it } from 'vitest';
import { MAX_NEIGHBOURS_PER_NIC } from './limits.js';
import { NeighbourTable } from './neighbour-table.js';
import type { LldpAdvert } from './tlv.js';

function advert(chassis: string, port: string, ttl: number, name = 'sw'): LldpAdvert {
  return {
    chassis_id: chassis,
    chassis_id_subtype: 'mac',
    port_id: port,
    port_id_subtype: 'ifname',
    port_description: '',
    system_name: name,
    system_description: '',
    management_addresses: [],
    vlans: [],
    ttl_seconds: ttl,
  };
}

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('NeighbourTable', () => {
  it('keeps the latest frame per chassis and port until its TTL runs out', () => {
    const table = new NeighbourTable();
    table.observe('eth0', advert('aa', 'p1', 120, 'old-name'), T0);
    table.observe('eth0', advert('aa', 'p1', 4, 'new-name'), T0 + 1000);
    table.observe('eth1', advert('bb', 'p2', 120), T0 + 1000);
    const now = table.snapshot(T0 + 4999);
    expect(now.get('eth0')?.map((n) => [n.system_name, n.seen_at, n.source])).toEqual([['new-name', '2026-01-01T00:00:01.000Z', 'listener']]);
    // The same frame again: seen_at stays (the inventory does not change), the TTL restarts.
    table.observe('eth0', advert('aa', 'p1', 4, 'new-name'), T0 + 3000);
    expect(table.snapshot(T0 + 6000).get('eth0')?.[0]?.seen_at).toBe('2026-01-01T00:00:01.000Z');
    table.observe('eth0', advert('aa', 'p1', 4, 'new-name'), T0 + 1000);
    expect(now.get('eth1')).toHaveLength(1);
    // The refresh replaced the TTL too: 4 s after the second frame, it is gone.
    expect(table.snapshot(T0 + 5000).has('eth0')).toBe(false);
    expect(table.snapshot(T0 + 5000).has('eth1')).toBe(true);
  });

  it('removes a neighbour at once on a zero TTL, leaving the others', () => {
    const table = new NeighbourTable();
    table.observe('eth0', advert('aa', 'p1', 120), T0);
    table.observe('eth0', advert('aa', 'p2', 120), T0);
    expect(table.observe('eth0', advert('aa', 'p1', 0), T0 + 10)).toBe('removed');
    expect(table.snapshot(T0 + 20).get('eth0')?.map((n) => n.port_id)).toEqual(['p2']);
  });

  it('refuses newcomers beyond the cap, keeps refreshing the ones it has, and takes new ones once some expired', () => {
    const table = new NeighbourTable();
    for (let i = 0; i < MAX_NEIGHBOURS_PER_NIC; i++) expect(table.observe('eth0', advert('cc', `p${i}`, 10), T0)).toBe('stored');
    expect(table.observe('eth0', advert('real-switch', 'swp1', 120), T0 + 1)).toBe('refused');
    expect(table.observe('eth0', advert('cc', 'p0', 10), T0 + 2)).toBe('stored');
    expect(table.observe('eth0', advert('real-switch', 'swp1', 120), T0 + 10_001)).toBe('stored');
    expect(table.snapshot(T0 + 10_001).get('eth0')?.map((n) => n.port_id)).toEqual(['p0', 'swp1']);
  });

  it('tells which NICs heard someone since a time', () => {
    const table = new NeighbourTable();
    table.observe('eth0', advert('aa', 'p1', 120), T0);
    table.observe('eth1', advert('bb', 'p1', 120), T0 + 500);
    expect([...table.nicsHeardSince(T0 + 100, T0 + 600)]).toEqual(['eth1']);
  });
});
