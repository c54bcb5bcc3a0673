import { describe, expect, it } from 'vitest';
import { ipv4Network, isLocalOnly, isUnspecified, parseIpv4, stripPrefix } from './ip.js';

describe('ip helpers', () => {
  it('parses dotted quads and refuses anything else', () => {
    expect(parseIpv4('10.8.0.57')).toBe(10 * 2 ** 24 + 8 * 2 ** 16 + 57);
    for (const bad of ['10.8.0', '10.8.0.256', '10.8.0.a', '1.2.3.4.5', '', '::1']) expect(parseIpv4(bad)).toBeUndefined();
  });

  it('turns an interface address into its canonical network', () => {
    expect(ipv4Network('10.8.0.57/22')).toEqual({ network: '10.8.0.0/22', prefix: 22 });
    expect(ipv4Network('192.168.122.1/24')).toEqual({ network: '192.168.122.0/24', prefix: 24 });
    expect(ipv4Network('255.255.255.255/32')).toEqual({ network: '255.255.255.255/32', prefix: 32 });
    expect(ipv4Network('10.0.0.1/0')).toEqual({ network: '0.0.0.0/0', prefix: 0 });
    for (const bad of ['10.0.0.1', '10.0.0.1/33', '10.0.0.1/x', 'fe80::1/64', '10.0.0.1/24/1']) expect(ipv4Network(bad)).toBeUndefined();
  });

  it('tells addresses another host cannot reach', () => {
    expect(stripPrefix('2001:db8::20/64')).toBe('2001:db8::20');
    expect(stripPrefix('10.0.0.1')).toBe('10.0.0.1');
    for (const local of ['127.0.0.1', '169.254.10.1', '::1', 'fe80::1', 'FE80::abcd']) expect(isLocalOnly(local)).toBe(true);
    for (const remote of ['10.0.0.1', '2001:db8::1', 'fd00::1']) expect(isLocalOnly(remote)).toBe(false);
    expect(isUnspecified('0.0.0.0')).toBe(true);
    expect(isUnspecified('::')).toBe(true);
    expect(isUnspecified('10.0.0.0')).toBe(false);
    expect(isUnspecified('fe80::')).toBe(false);
  });
});
