import { describe, expect, it } from 'vitest';
import { dhclientArgs, dhclientArgsWithConfig, dhclientConfig, extractLastLease, lacksHostNameOption, leaseAddress, rebindLease } from './dhclient.js';

const LEASE = `lease {
  interface "api";
  fixed-address 198.18.2.88;
  option subnet-mask 255.255.255.0;
  option dhcp-lease-time 43200;
  option dhcp-server-identifier 198.18.2.1;
  option host-name "00-1a-4a-00-00-01-api";
  renew 6 2026/11/21 12:21:58;
  rebind 6 2026/11/21 17:35:52;
  expire 6 2026/11/21 19:05:52;
}`;

const SECOND = LEASE.replace('198.18.2.88', '198.18.2.99');

describe('dhclient lease files', () => {
  it('takes a single lease', () => {
    expect(extractLastLease(LEASE)).toBe(LEASE);
    expect(leaseAddress(LEASE)).toBe('198.18.2.88');
  });

  it('takes a lease surrounded by whitespace', () => {
    expect(extractLastLease(`\n\n  ${LEASE}\n\n`)).toBe(LEASE);
  });

  it('refuses a file with text after the last lease', () => {
    expect(extractLastLease(`${LEASE}\nlease {\n  interface "api";\n`)).toBeUndefined();
    expect(extractLastLease(`${LEASE}\ngarbage`)).toBeUndefined();
  });

  it('takes the last of two leases', () => {
    const last = extractLastLease(`${LEASE}\n${SECOND}\n`);
    expect(last).toBe(SECOND);
    expect(leaseAddress(last!)).toBe('198.18.2.99');
  });

  it('re-binds a stored lease to the macvlan of this run', () => {
    expect(rebindLease(LEASE.replace('"api"', '"eth7"'), 'api')).toBe(LEASE);
  });

  it('runs dhclient with upstream\'s options, a pid file taking the place of --no-pid', () => {
    const plan = { ifname: 'api', mac: '00:1a:4a:00:00:01', leaseFile: '/etc/keepalived/lease-api', pidFile: '/etc/keepalived/dhclient-api.pid' };
    expect(dhclientArgs(plan)).toEqual([
      '-v', '-H', '00-1a-4a-00-00-01-api', '-sf', '/bin/true', '-lf', '/etc/keepalived/lease-api', '-pf', '/etc/keepalived/dhclient-api.pid', '-1', 'api',
    ]);
    expect(dhclientArgsWithConfig(plan, '/c')).toEqual(['-v', '-cf', '/c', '-sf', '/bin/true', '-lf', '/etc/keepalived/lease-api', '-pf', '/etc/keepalived/dhclient-api.pid', '-1', 'api']);
    expect(dhclientConfig(plan)).toBe('send host-name "00-1a-4a-00-00-01-api";\n');
    expect(lacksHostNameOption('Unknown command: -H\nUsage: dhclient')).toBe(true);
    expect(lacksHostNameOption('No DHCPOFFERS received.')).toBe(false);
  });
});
