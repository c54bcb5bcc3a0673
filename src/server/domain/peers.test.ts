import { describe, expect, it } from 'vitest';
import { connectivityNics, connectivityTargetsJson, peerSummary } from './peers.js';

const targetIds = (json: string | undefined): string[] => (JSON.parse(json ?? '[]') as { host_id: string }[]).map((t) => t.host_id);
import { parseJson } from './json-shape.js';
import { inventory as inventoryShape } from './responses.js';
import { fixtureInventory, fixtureInventoryText, makeHost } from './test-support.js';

describe('connectivityNics', () => {
  it('names addressed NICs with a MAC, without loopback or link-local addresses', () => {
    const nics = connectivityNics(parseJson(fixtureInventoryText('server-nvme-sata-raid'), inventoryShape));
    expect(nics).toEqual([
      { name: 'eno8303', mac: 'b0:7b:25:de:1a:10', ip_addresses: ['192.168.10.21'] },
      { name: 'ens1f0np0', mac: '40:a6:b7:3c:5d:70', ip_addresses: ['172.16.5.21', '2001:db8:5::21'] },
    ]);
    expect(connectivityNics({ interfaces: [{ name: 'eth0', mac_address: 'aa:bb:cc:dd:ee:ff', ipv4_addresses: ['169.254.1.1/16'], ipv6_addresses: ['fe80::1/64'] }] })).toEqual([]);
    expect(connectivityNics({ interfaces: [{ name: 'eth0', mac_address: 'not-a-mac', ipv4_addresses: ['10.0.0.1/24'] }] })).toEqual([]);
  });
});

describe('peerSummary', () => {
  it('follows changes even if a record is changed in place', () => {
    const host = makeHost({ status: 'known', inventory: fixtureInventory('vm-virtio') });
    expect(peerSummary(host).hostnameKey).toBe('vm-worker-2.novalocal');
    expect(peerSummary(host).target?.nics[0]?.ip_addresses).toEqual(['10.0.0.15']);
    host.requestedHostname = 'Worker-9';
    expect(peerSummary(host).hostnameKey).toBe('worker-9');
    host.status = 'disconnected';
    expect(peerSummary(host).target).toBeUndefined();
    host.status = 'known';
    const moved = fixtureInventory('vm-virtio');
    moved.interfaces[1].ipv4_addresses = ['10.0.0.99/24'];
    host.inventory = JSON.stringify(moved);
    expect(peerSummary(host).target?.nics[0]?.ip_addresses).toEqual(['10.0.0.99']);
  });

  it('connectivityTargetsJson stops at the limit', () => {
    const host = makeHost();
    const others = [1, 2, 3].map(() => makeHost({ status: 'known', inventory: fixtureInventory('vm-virtio') }));
    expect(targetIds(connectivityTargetsJson(host, others, 2))).toEqual([others[0]!.id, others[1]!.id]);
    expect(targetIds(connectivityTargetsJson(host, others))).toHaveLength(3);
  });

  it('connectivityTargetsJson builds each argument once per list: the same for every host outside it, its own for a host in it', () => {
    const others = [1, 2, 3].map(() => makeHost({ status: 'known', inventory: fixtureInventory('vm-virtio') }));
    const outsiders = [makeHost(), makeHost()];
    const first = connectivityTargetsJson(outsiders[0]!, others);
    // The same string object: built once, not joined again for the next poll.
    expect(connectivityTargetsJson(outsiders[1]!, others)).toBe(first);
    expect(targetIds(first)).toEqual(others.map((o) => o.id));
    expect(targetIds(connectivityTargetsJson(others[1]!, others))).toEqual([others[0]!.id, others[2]!.id]);
    expect(targetIds(connectivityTargetsJson(others[1]!, others, 1))).toEqual([others[0]!.id]);
    // A new list (the service replaces its candidates, never edits them) is built afresh.
    const next = [...others.slice(1), makeHost({ status: 'known', inventory: fixtureInventory('vm-virtio') })];
    expect(targetIds(connectivityTargetsJson(outsiders[0]!, next))).toEqual(next.map((o) => o.id));
  });
});
