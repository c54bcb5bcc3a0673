// lldpcli's json0 shape (lldpd 1.0: every element a list of objects, scalars as strings,
// booleans for pvid/enabled), as `lldpcli -f json0 show neighbors details` prints it.
import { describe, expect, it } from 'vitest';
import { ageSeconds, parseLldpcliNeighbours } from './lldpcli.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

const document = {
  lldp: [
    {
      interface: [
        {
          name: 'eno1',
          via: 'LLDP',
          rid: '1',
          age: '0 day, 00:00:04',
          chassis: [
            {
              id: [{ type: 'mac', value: '7e:42:47:1e:bb:d5' }],
              name: [{ value: 'sw1.lab.example.com' }],
              descr: [{ value: 'Test switch OS 1.2' }],
              'mgmt-ip': [{ value: '192.0.2.1' }, { value: '2001:db8::1' }],
              'mgmt-iface': [{ value: '2' }],
              capability: [{ type: 'Bridge', enabled: true }],
            },
          ],
          port: [
            {
              id: [{ type: 'local', value: 'Ethernet1/12' }],
              descr: [{ value: 'uplink to rack 12 host a' }],
              ttl: [{ value: '120' }],
              mfs: [{ value: '9216' }],
              aggregation: [{ value: '7' }],
            },
          ],
          vlan: [
            { 'vlan-id': '100', pvid: true, value: 'vlan100' },
            { 'vlan-id': '200', pvid: false, value: 'vlan200' },
          ],
        },
        {
          name: 'eno2',
          via: 'LLDP',
          age: '2 days, 01:02:03',
          // lldpd before 1.0 kept the TTL in the chassis.
          chassis: [{ id: [{ type: 'unhandled', value: '01:02' }], ttl: [{ value: '90' }] }],
          port: [{ id: [{ type: 'ifname', value: 'swp3' }] }],
          // A port VLAN ID sent without a VLAN name TLV.
          vlan: [{ 'vlan-id': '30', pvid: true }],
        },
        { name: 'eno3', via: 'CDPv2', age: '0 day, 00:00:01', chassis: [{ id: [{ type: 'local', value: 'cisco' }] }], port: [{ id: [{ type: 'ifname', value: 'Gi1' }] }] },
        { name: 'eno4', via: 'LLDP', chassis: 'not a list', port: [] },
      ],
    },
  ],
};

describe('parseLldpcliNeighbours', () => {
  it('maps every field lldpd shows onto the inventory model', () => {
    const neighbours = parseLldpcliNeighbours(document, NOW);
    expect([...neighbours.keys()]).toEqual(['eno1', 'eno2']);
    expect(neighbours.get('eno1')).toEqual([
      {
        chassis_id: '7e:42:47:1e:bb:d5',
        chassis_id_subtype: 'mac',
        port_id: 'Ethernet1/12',
        port_id_subtype: 'local',
        port_description: 'uplink to rack 12 host a',
        system_name: 'sw1.lab.example.com',
        system_description: 'Test switch OS 1.2',
        management_addresses: ['192.0.2.1', '2001:db8::1'],
        native_vlan: 100,
        vlans: [
          { id: 100, name: 'vlan100' },
          { id: 200, name: 'vlan200' },
        ],
        link_aggregation: { capable: true, enabled: true, port_id: 7 },
        max_frame_size: 9216,
        ttl_seconds: 120,
        seen_at: '2026-03-01T11:59:56.000Z',
        source: 'lldpd',
      },
    ]);
    const eno2 = neighbours.get('eno2')?.[0];
    expect(eno2?.chassis_id_subtype).toBe('unknown');
    expect(eno2?.ttl_seconds).toBe(90);
    expect(eno2?.native_vlan).toBe(30);
    expect(eno2?.vlans).toEqual([]);
    expect(eno2?.link_aggregation).toBeUndefined();
    expect(eno2?.seen_at).toBe('2026-02-27T10:57:57.000Z');
  });

  it('an lldpd without neighbours, and documents of other shapes, give none', () => {
    expect(parseLldpcliNeighbours({ lldp: [{}] }, NOW).size).toBe(0);
    expect(parseLldpcliNeighbours({ lldp: { interface: {} } }, NOW).size).toBe(0);
    expect(parseLldpcliNeighbours(null, NOW).size).toBe(0);
    expect(parseLldpcliNeighbours([1, 2], NOW).size).toBe(0);
  });

  it('reads lldpcli ages', () => {
    expect(ageSeconds('0 day, 00:00:26')).toBe(26);
    expect(ageSeconds('3 days, 10:00:00')).toBe(3 * 86_400 + 36_000);
    expect(ageSeconds('soon')).toBe(0);
  });
});
