import { describe, expect, it } from 'vitest';
import type { IpLink } from '../inventory/network/ip-json.js';
import { fakeRunner } from './fake-runner.test-support.js';
import { listOutgoingNics, selectOutgoingNics } from './outgoing-nics.js';
import type { HostFs } from '../host/host-fs.js';

function link(ifname: string, kind: string | undefined, addresses: [string, string, number][], mtu = 1500): IpLink {
  return {
    ifindex: 0,
    ifname,
    mtu,
    linkinfo: kind ? { info_kind: kind } : undefined,
    addr_info: addresses.map(([family, local, prefixlen]) => ({ family, local, prefixlen })),
  };
}

const PHYSICAL = new Set(['eth0', 'eth1', 'eth2', 'ib2']);

describe('outgoing NICs', () => {
  it('takes physical, bond, vlan, veth and macvlan links with an address; not addressless, loopback or other kinds', () => {
    const links = [
      link('lo', undefined, [['inet', '127.0.0.1', 8], ['inet6', '::1', 128]]),
      link('eth0', undefined, [['inet', '192.168.1.133', 24]]),
      link('eth1', undefined, []),
      link('eth2', undefined, [['inet6', 'fe80::1', 64]]),
      link('bond0', 'bond', [['inet', '10.0.0.5', 24]]),
      link('eth2.10', 'vlan', [['inet6', '2001:db8::5', 64]]),
      link('ib2', 'ipoib', [['inet', '10.9.0.5', 24]]),
      link('veth0', 'veth', [['inet', '198.18.0.10', 24]]),
      link('mv0', 'macvlan', [['inet', '198.18.1.10', 24]], 9000),
      link('br0', 'bridge', [['inet', '172.16.0.1', 16]]),
      link('dummy0', 'dummy', [['inet', '172.17.0.1', 16]]),
    ];
    const nics = selectOutgoingNics(links, (name) => PHYSICAL.has(name));
    expect(nics.map((n) => n.name)).toEqual(['eth0', 'bond0', 'eth2.10', 'veth0', 'mv0']);
    expect(nics.find((n) => n.name === 'mv0')?.mtu).toBe(9000);
  });

  it.each([
    ['IPv4', [['inet', '192.168.1.133', 24]], [{ address: '192.168.1.133', prefixLength: 24 }], []],
    ['IPv6', [['inet6', '2001:db8::1', 64]], [], [{ address: '2001:db8::1', prefixLength: 64 }]],
    ['dual stack', [['inet', '192.168.1.133', 24], ['inet6', '2001:db8::1', 64]], [{ address: '192.168.1.133', prefixLength: 24 }], [{ address: '2001:db8::1', prefixLength: 64 }]],
    ['link-local IPv4 dropped', [['inet', '169.254.3.4', 16], ['inet', '192.168.1.133', 24]], [{ address: '192.168.1.133', prefixLength: 24 }], []],
    ['link-local IPv6 dropped', [['inet6', 'fe80::1', 64], ['inet6', '2001:db8::1', 64]], [], [{ address: '2001:db8::1', prefixLength: 64 }]],
  ] as [string, [string, string, number][], unknown[], unknown[]][])('keeps the addresses: %s', (_name, addresses, ipv4, ipv6) => {
    expect(selectOutgoingNics([link('eth0', undefined, addresses)], () => true)).toEqual([{ name: 'eth0', mtu: 1500, ipv4, ipv6 }]);
  });

  it('drops a NIC whose only addresses are link-local, or that has none', () => {
    expect(selectOutgoingNics([link('eth0', undefined, [['inet', '169.254.3.4', 16], ['inet6', 'fe80::1', 64]]), link('eth1', undefined, [])], () => true)).toEqual([]);
  });

  it('reads `ip -j -d addr show` and tells physical links by their sysfs device path', async () => {
    const links = [link('lo', undefined, [['inet', '127.0.0.1', 8]]), link('eno1', undefined, [['inet', '192.168.1.133', 24]])];
    const { run, calls } = fakeRunner(() => ({ stdout: JSON.stringify(links) }));
    const hostFs = {
      realPath: async (p: string) => (p.endsWith('/lo') ? '/sys/devices/virtual/net/lo' : '/sys/devices/pci0000:00/0000:00:03.0/net/eno1'),
    } as unknown as HostFs;
    expect((await listOutgoingNics(run, hostFs)).map((n) => n.name)).toEqual(['eno1']);
    expect(calls).toEqual([{ file: 'ip', args: ['-j', '-d', 'addr', 'show'] }]);
  });

  it('fails clearly when ip fails', async () => {
    const { run } = fakeRunner(() => ({ exitCode: 1, stderr: 'boom' }));
    await expect(listOutgoingNics(run, {} as HostFs)).rejects.toThrow('failed to list the network interfaces: ip exited with 1: boom');
  });
});
