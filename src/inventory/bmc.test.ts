import { describe, expect, it } from 'vitest';
import { HostFs } from '../host/host-fs.js';
import { collectBmcAddresses, parseLan6Sections, parseLanPrintAddress, pickLan6Address } from './bmc.js';
import { tempHost, testContext } from './test-support.js';

// `ipmitool lan print 1` on a Supermicro X11 BMC (trimmed after the gateway).
const LAN_PRINT = `Set in Progress         : Set Complete
Auth Type Support       : NONE MD2 MD5 PASSWORD
IP Address Source       : Static Address
IP Address              : 192.168.20.31
Subnet Mask             : 255.255.255.0
MAC Address             : 3c:ec:ef:0a:0b:0c
Default Gateway IP      : 192.168.20.1
`;

describe('ipmitool lan print', () => {
  it('reads the IP Address line', () => {
    expect(parseLanPrintAddress(LAN_PRINT)).toBe('192.168.20.31');
  });

  it('treats 0.0.0.0 and a blank address as none', () => {
    expect(parseLanPrintAddress('IP Address              : 0.0.0.0\n')).toBeUndefined();
    expect(parseLanPrintAddress('IP Address              : \n')).toBeUndefined();
    expect(parseLanPrintAddress('IP Address Source       : DHCP Address\n')).toBeUndefined();
  });
});

describe('ipmitool lan6 print', () => {
  const dynamic = parseLan6Sections(`IPv6 Dynamic Address 0:
    Source/Type:    DHCPv6
    Address:        ::/0
    Status:         active
IPv6 Dynamic Address 1:
    Source/Type:    SLAAC
    Address:        2001:db8:20::31/64
    Status:         active
`);

  it('reads one section per address slot', () => {
    expect(dynamic).toEqual([
      { 'Source/Type': 'DHCPv6', Address: '::/0', Status: 'active' },
      { 'Source/Type': 'SLAAC', Address: '2001:db8:20::31/64', Status: 'active' },
    ]);
  });

  it('picks the first active, enabled, non-zero address, without its prefix', () => {
    expect(pickLan6Address(dynamic, 'dynamic_addr')).toBe('2001:db8:20::31');
    const statics = parseLan6Sections('IPv6 Static Address 0:\n    Enabled:        no\n    Address:        2001:db8::9/64\n    Status:         active\nIPv6 Static Address 1:\n    Enabled:        yes\n    Address:        2001:db8::10/64\n    Status:         active\n');
    expect(pickLan6Address(statics, 'static_addr')).toBe('2001:db8::10');
    expect(pickLan6Address([{ 'Source/Type': 'SLAAC', Address: '2001:db8::1/64', Status: 'disabled' }], 'dynamic_addr')).toBeUndefined();
  });
});

describe('bmc collector', () => {
  it('does not start ipmitool at all without an IPMI device node', async () => {
    const calls: string[] = [];
    const root = await tempHost({ '/dev/null-placeholder': '' });
    expect(await collectBmcAddresses(testContext(new HostFs(root), {}, undefined, calls))).toEqual({ v4: '0.0.0.0', v6: '::/0' });
    expect(calls).toEqual([]);
  });

  it('walks the channels in order until one has an address, with /dev/ipmi/0 as the device', async () => {
    const calls: string[] = [];
    const root = await tempHost({ '/dev/ipmi/0': '' });
    const ctx = testContext(
      new HostFs(root),
      {
        'ipmitool lan print 1': { exitCode: 1, stderr: 'Invalid channel: 1' },
        'ipmitool lan print 2': { stdout: 'IP Address              : 0.0.0.0\n' },
        'ipmitool lan print 3': { stdout: LAN_PRINT },
        'ipmitool lan6 print 1 enables': { stdout: 'IPv6/IPv4 Addressing Enables: ipv4\n' },
      },
      undefined,
      calls,
    );
    expect(await collectBmcAddresses(ctx)).toEqual({ v4: '192.168.20.31', v6: '::/0' });
    expect(calls.filter((c) => c.startsWith('ipmitool lan print'))).toEqual(['ipmitool lan print 1', 'ipmitool lan print 2', 'ipmitool lan print 3']);
    expect(calls.filter((c) => c.startsWith('ipmitool lan6'))).toHaveLength(12);
  });
});
