import { describe, expect, it } from 'vitest';
import { formatNetwork, networkAddresses, parseCanonicalIpv4Cidr, splitNetwork } from './cidr.js';

describe('IPv4 CIDR', () => {
  it('parses canonical networks', () => {
    expect(parseCanonicalIpv4Cidr('10.0.0.0/24')).toEqual({ base: 0x0a000000, prefix: 24 });
    expect(parseCanonicalIpv4Cidr('255.255.255.255/32')).toEqual({ base: 0xffffffff, prefix: 32 });
    expect(parseCanonicalIpv4Cidr('0.0.0.0/0')).toEqual({ base: 0, prefix: 0 });
  });

  it('names the canonical form of a network written with host bits set', () => {
    expect(() => parseCanonicalIpv4Cidr('10.0.0.1/24')).toThrow('Requested CIDR 10.0.0.0/24 is not equal to provided network 10.0.0.1/24');
    expect(() => parseCanonicalIpv4Cidr('10.0.0.0/024')).toThrow('Requested CIDR 10.0.0.0/24 is not equal to provided network 10.0.0.0/024');
  });

  it.each(['10.0.0.0', '10.0.0/24', '10.0.0.256/24', '10.0.0.0/33', '010.0.0.0/24', 'fd00::/64', '', 'a.b.c.d/8'])('refuses %j as Go does', (text) => {
    expect(() => parseCanonicalIpv4Cidr(text)).toThrow(`invalid CIDR address: ${text}`);
  });

  it('splits networks larger than /22 into /22 chunks and leaves smaller ones whole', () => {
    const chunks = [...splitNetwork(parseCanonicalIpv4Cidr('192.168.0.0/18'), 22)].map(formatNetwork);
    expect(chunks).toEqual(Array.from({ length: 16 }, (_, i) => `192.168.${i * 4}.0/22`));
    expect([...splitNetwork(parseCanonicalIpv4Cidr('10.0.0.0/24'), 22)].map(formatNetwork)).toEqual(['10.0.0.0/24']);
    expect([...splitNetwork(parseCanonicalIpv4Cidr('10.0.0.0/22'), 22)].map(formatNetwork)).toEqual(['10.0.0.0/22']);
  });

  it('enumerates every address, network and broadcast included', () => {
    expect(networkAddresses(parseCanonicalIpv4Cidr('10.0.0.0/30'))).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(networkAddresses(parseCanonicalIpv4Cidr('10.0.0.7/32'))).toEqual(['10.0.0.7']);
    expect(networkAddresses(parseCanonicalIpv4Cidr('198.18.0.0/22'))).toHaveLength(1024);
  });
});
