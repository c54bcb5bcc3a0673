import { describe, expect, it } from 'vitest';
import { HostFs } from '../../host/host-fs.js';
import { tempHost, testContext } from '../test-support.js';
import { collectInterfaces, linkType } from './interfaces.js';
import { ipBytes, isGlobalUnicast, isLinkLocalUnicast, prefixContains } from './ip-address.js';
import { goInterfaceFlags, ipFlagsFromSysfs } from './link-flags.js';
import { readInterfaceMac } from './mac-address.js';
import { toRoutes } from './routes.js';

describe('interface flags', () => {
  it('prints Go\'s names in Go\'s order and derives running from the operational state', () => {
    expect(goInterfaceFlags(['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], 'UP')).toEqual(['up', 'broadcast', 'multicast', 'running']);
    expect(goInterfaceFlags(['LOOPBACK', 'UP', 'LOWER_UP'], 'UNKNOWN')).toEqual(['up', 'loopback', 'running']);
    expect(goInterfaceFlags(['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], 'DOWN')).toEqual(['up', 'broadcast', 'multicast']);
    expect(goInterfaceFlags(['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'], 'UNKNOWN')).toEqual(['up', 'pointtopoint', 'running']);
    expect(goInterfaceFlags([], undefined)).toEqual([]);
  });

  it('reads the IFF bits of sysfs', () => {
    expect(ipFlagsFromSysfs('0x1003')).toEqual(['UP', 'BROADCAST', 'MULTICAST']);
    expect(ipFlagsFromSysfs('0x9')).toEqual(['UP', 'LOOPBACK']);
  });
});

describe('link types', () => {
  it('maps link kinds to the netlink library\'s type names', () => {
    expect(linkType({ ifindex: 1, ifname: 'lo' })).toBe('device');
    expect(linkType({ ifindex: 9, ifname: 'tun0', linkinfo: { info_kind: 'tun' } })).toBe('tuntap');
    expect(linkType({ ifindex: 9, ifname: 'veth1', linkinfo: { info_kind: 'veth' } })).toBe('veth');
    expect(linkType({ ifindex: 9, ifname: 'mv0', linkinfo: { info_kind: 'macvlan' } })).toBe('macvlan');
  });
});

describe('routes', () => {
  it('writes destinations without prefix, default as the zero address, multipath as its first hop', () => {
    const v4 = toRoutes(
      [
        { dst: 'default', gateway: '10.0.0.1', dev: 'eth0', metric: 100 },
        { dst: '10.0.0.0/24', dev: 'eth0', protocol: 'kernel' },
        { dst: '10.9.0.0/16', nexthops: [{ gateway: '10.0.0.2', dev: 'eth1' }, { gateway: '10.0.0.3', dev: 'eth0' }] },
        { dst: '10.99.0.0/16' },
      ],
      2,
    );
    expect(v4).toEqual([
      { destination: '0.0.0.0', family: 2, gateway: '10.0.0.1', interface: 'eth0', metric: 100 },
      { destination: '10.0.0.0', family: 2, gateway: '', interface: 'eth0', metric: 0 },
      { destination: '10.9.0.0', family: 2, gateway: '10.0.0.2', interface: 'eth1', metric: 0 },
    ]);
    expect(toRoutes([{ dst: 'default', gateway: 'fe80::1', dev: 'eth0', metric: 1024 }], 10)).toEqual([
      { destination: '::', family: 10, gateway: 'fe80::1', interface: 'eth0', metric: 1024 },
    ]);
  });
});

describe('IP addresses', () => {
  it('parses IPv4, compressed IPv6 and IPv4-mapped IPv6', () => {
    expect([...(ipBytes('192.0.2.1') ?? [])]).toEqual([192, 0, 2, 1]);
    expect([...(ipBytes('2001:db8::1') ?? [])]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect([...(ipBytes('::ffff:192.0.2.1') ?? [])].slice(10)).toEqual([0xff, 0xff, 192, 0, 2, 1]);
    expect(ipBytes('nope')).toBeUndefined();
  });

  it('tests prefixes and address classes like Go', () => {
    expect(prefixContains('2001:db8:100::', 64, '2001:db8:100::20')).toBe(true);
    expect(prefixContains('2001:db8:100::', 64, '2001:db8:101::20')).toBe(false);
    expect(prefixContains('10.0.0.0', 8, '2001:db8::1')).toBe(false);
    expect(isLinkLocalUnicast('169.254.95.120')).toBe(true);
    expect(isLinkLocalUnicast('febf::1')).toBe(true);
    expect(isLinkLocalUnicast('fec0::1')).toBe(false);
    expect(['10.1.2.3', '2001:db8::5'].map(isGlobalUnicast)).toEqual([true, true]);
    expect(['127.0.0.1', '::1', '0.0.0.0', '224.0.0.1', 'ff02::1', 'fe80::1', '255.255.255.255'].map(isGlobalUnicast)).toEqual(Array(7).fill(false));
  });
});

describe('interfaces without ip', () => {
  it('lists the links from sysfs (skipping bonding_masters), with the permanent MAC of a bond slave', async () => {
    const root = await tempHost({
      '/sys/devices/pci0000:00/0000:00:03.0/net/eth0/ifindex': '2\n',
      '/sys/devices/pci0000:00/0000:00:03.0/net/eth0/flags': '0x1003\n',
      '/sys/devices/pci0000:00/0000:00:03.0/net/eth0/operstate': 'up\n',
      '/sys/devices/pci0000:00/0000:00:03.0/net/eth0/mtu': '1500\n',
      '/sys/devices/pci0000:00/0000:00:03.0/net/eth0/address': 'aa:bb:cc:00:00:01\n',
      '/sys/devices/pci0000:00/0000:00:03.0/net/eth0/bonding_slave/perm_hwaddr': 'aa:bb:cc:00:00:02\n',
      '/sys/devices/pci0000:00/0000:00:03.0/net/eth0/carrier': '1\n',
      '/sys/devices/virtual/net/bond0/ifindex': '3\n',
      '/sys/devices/virtual/net/bond0/flags': '0x1403\n',
      '/sys/devices/virtual/net/bond0/operstate': 'up\n',
      '/sys/devices/virtual/net/bond0/mtu': '1500\n',
      '/sys/devices/virtual/net/bond0/address': 'aa:bb:cc:00:00:01\n',
      '/sys/devices/virtual/net/bond0/uevent': 'DEVTYPE=bond\nINTERFACE=bond0\n',
      '/sys/class/net/eth0': '-> ../../devices/pci0000:00/0000:00:03.0/net/eth0',
      '/sys/class/net/bond0': '-> ../../devices/virtual/net/bond0',
      '/sys/class/net/bonding_masters': 'bond0\n',
    });
    const ctx = testContext(new HostFs(root));
    const nics = await collectInterfaces(ctx);
    expect(nics.map((n) => [n.name, n.type, n.mac_address, n.flags.join('|'), n.ipv4_addresses.length])).toEqual([
      ['eth0', 'physical', 'aa:bb:cc:00:00:02', 'up|broadcast|multicast|running', 0],
      ['bond0', 'bond', 'aa:bb:cc:00:00:01', 'up|broadcast|multicast|running', 0],
    ]);
    expect(await readInterfaceMac(ctx.hostFs, 'bond0')).toBe('aa:bb:cc:00:00:01');
  });
});
