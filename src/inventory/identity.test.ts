import { describe, expect, it } from 'vitest';
import { DRY_RUN_OFF } from '../config/dry-run.js';
import { applyDryRun } from './dry-run.js';
import { replaceLocalhostName } from './hostname.js';
import type { Interface, Inventory } from './model.js';

const nic = (name: string, type: string, mac: string, v4: string[] = [], v6: string[] = [], flags: string[] = ['up']): Interface => ({
  biosdevname: '',
  client_id: '',
  flags,
  has_carrier: true,
  ipv4_addresses: v4,
  ipv6_addresses: v6,
  mac_address: mac,
  mtu: 1500,
  name,
  product: '',
  speed_mbps: 0,
  type,
  vendor: '',
});

describe('localhost names', () => {
  const nics = [
    nic('lo', 'device', '', ['127.0.0.1/8'], ['::1/128'], ['up', 'loopback']),
    nic('virbr0', 'bridge', '52:54:00:00:00:01', ['192.168.122.1/24']),
    nic('eth2', 'physical', 'aa:bb:cc:00:00:03', ['10.0.0.3/24']),
    nic('eth1', 'physical', 'AA:BB:CC:00:00:02', [], ['2001:db8::2/64']),
    nic('eth0', 'physical', 'aa:bb:cc:00:00:01', ['169.254.0.9/16']),
  ];

  it('are replaced by the MAC of the first NIC by name that is physical, VLAN or bond and has a global address', () => {
    for (const name of ['localhost', 'localhost.localdomain', 'localhost4', 'localhost4.localdomain4', 'localhost6', 'localhost6.localdomain6']) {
      expect(replaceLocalhostName(name, nics)).toBe('aa-bb-cc-00-00-02');
    }
  });

  it('stay when no NIC qualifies, and other names are never touched', () => {
    expect(replaceLocalhostName('localhost', [...nics.slice(0, 2), nics[4] as Interface])).toBe('localhost');
    expect(replaceLocalhostName('localhost.example.com', nics)).toBe('localhost.example.com');
    expect(replaceLocalhostName('node-1', nics)).toBe('node-1');
  });
});

describe('dry-run identity', () => {
  const inventory = (): Inventory =>
    ({ hostname: 'real', interfaces: [nic('lo', 'device', '', ['127.0.0.1/8'], [], ['up', 'loopback']), nic('eth0', 'physical', 'aa:bb:cc:00:00:01', ['10.0.0.5/24', '10.0.0.6/24'])] }) as Inventory;

  it('forces hostname, MAC and first IPv4 (keeping its prefix) of the first non-loopback NIC with IPv4', () => {
    const inv = inventory();
    applyDryRun(inv, { ...DRY_RUN_OFF, enabled: true, forcedHostname: 'fake-1', forcedMac: '02:00:00:00:00:AA', forcedIpv4: '192.0.2.9' });
    expect(inv.hostname).toBe('fake-1');
    expect(inv.interfaces[1]).toMatchObject({ mac_address: '02:00:00:00:00:aa', ipv4_addresses: ['192.0.2.9/24', '10.0.0.6/24'] });
    expect(inv.interfaces[0]?.mac_address).toBe('');
  });

  it('changes nothing when dry-run is off', () => {
    const inv = inventory();
    applyDryRun(inv, { ...DRY_RUN_OFF, forcedHostname: 'fake-1' });
    expect(inv.hostname).toBe('real');
  });
});
