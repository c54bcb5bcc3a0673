import { describe, expect, it } from 'vitest';
import { invalidNtpSource, isHostname, splitNtpSources } from './ntp-source.js';

describe('NTP source validation', () => {
  it('accepts IPv4, IPv6, host names and comma lists of them', () => {
    for (const list of ['169.254.1.3', '2001:db8::1', 'dns.google', 'clock.example.com.', 'a,b.c,192.0.2.1', '169.254.1.3, 169.254.1.4']) {
      expect(invalidNtpSource(list), list).toBeUndefined();
    }
    expect(splitNtpSources('169.254.1.3, 169.254.1.4')).toEqual(['169.254.1.3', '169.254.1.4']);
  });

  it('names the first bad item in upstream\'s words', () => {
    expect(invalidNtpSource('dns.google,not a host,also bad!')).toBe('Invalid NTP source: not a host');
    expect(invalidNtpSource('-leading.example')).toBe('Invalid NTP source: -leading.example');
    expect(invalidNtpSource('a,,b')).toBe('Invalid NTP source: ');
    expect(invalidNtpSource('http://pool.ntp.org')).toBe('Invalid NTP source: http://pool.ntp.org');
  });

  it('bounds label and name lengths', () => {
    expect(isHostname(`${'a'.repeat(63)}.example`)).toBe(true);
    expect(isHostname(`${'a'.repeat(64)}.example`)).toBe(false);
    expect(isHostname(Array(64).fill('abc').join('.'))).toBe(false);
  });
});
