import { describe, expect, it } from 'vitest';
import { fakeRunner } from './fake-runner.test-support.js';
import { checkNmapIpv6 } from './nmap-ipv6.js';
import type { OutgoingNic } from './outgoing-nics.js';
import { nmapHost, nmapXml } from './testdata/recorded.js';

const ETH0: OutgoingNic = { name: 'eth0', mtu: 1500, ipv4: [], ipv6: [{ address: '2001:db8::1', prefixLength: 64 }] };
const REMOTE_IP = '2001:db8::2';
const REMOTE_MAC = 'f8:75:a4:a4:00:fe';
const OTHER_MAC = '00:50:56:95:ba:55';
const FAILED = { outgoing_nic: 'eth0', remote_ip_address: REMOTE_IP, successful: false };

describe('IPv6 nmap check', () => {
  it.each([
    ['happy flow', { stdout: nmapXml(nmapHost('up', REMOTE_IP, REMOTE_MAC.toUpperCase())) }, [REMOTE_MAC], { ...FAILED, remote_mac: REMOTE_MAC, successful: true }],
    ['command error', { exitCode: 1, stderr: 'Failed to resolve' }, [REMOTE_MAC], FAILED],
    ['invalid XML', { stdout: '<nmaprun><host>' }, [REMOTE_MAC], FAILED],
    ['host down', { stdout: nmapXml(nmapHost('down', REMOTE_IP)) }, [REMOTE_MAC], FAILED],
    ['a discovered MAC in upper case is lower-cased', { stdout: nmapXml(nmapHost('up', REMOTE_IP, REMOTE_MAC.toUpperCase())) }, [REMOTE_MAC], { ...FAILED, remote_mac: REMOTE_MAC, successful: true }],
    ['no MAC address', { stdout: nmapXml(nmapHost('up', REMOTE_IP)) }, [REMOTE_MAC], FAILED],
    ['no hosts', { stdout: '<nmaprun />' }, [REMOTE_MAC], FAILED],
    [
      'first matching host wins, even with an unexpected MAC',
      { stdout: nmapXml(nmapHost('up', REMOTE_IP, OTHER_MAC), nmapHost('up', REMOTE_IP, REMOTE_MAC)) },
      [REMOTE_MAC],
      { ...FAILED, remote_mac: OTHER_MAC, successful: false },
    ],
    ['several hosts, only one up', { stdout: nmapXml(nmapHost('down', REMOTE_IP, OTHER_MAC), nmapHost('up', REMOTE_IP, REMOTE_MAC)) }, [REMOTE_MAC], { ...FAILED, remote_mac: REMOTE_MAC, successful: true }],
    ['several hosts, only one with a MAC', { stdout: nmapXml(nmapHost('up', REMOTE_IP), nmapHost('up', REMOTE_IP, REMOTE_MAC)) }, [REMOTE_MAC], { ...FAILED, remote_mac: REMOTE_MAC, successful: true }],
    ['unexpected MAC', { stdout: nmapXml(nmapHost('up', REMOTE_IP, OTHER_MAC)) }, [REMOTE_MAC], { ...FAILED, remote_mac: OTHER_MAC, successful: false }],
    ['a MAC of another of the remote NICs still counts', { stdout: nmapXml(nmapHost('up', REMOTE_IP, OTHER_MAC)) }, [REMOTE_MAC, OTHER_MAC], { ...FAILED, remote_mac: OTHER_MAC, successful: true }],
  ])('%s', async (_name, answer, remoteMacs, expected) => {
    const { run, calls } = fakeRunner(() => answer);
    expect(await checkNmapIpv6(run, ETH0, REMOTE_IP, remoteMacs)).toEqual(expected);
    expect(calls).toEqual([{ file: 'nmap', args: ['-6', '-sn', '-n', '-oX', '-', '-e', 'eth0', REMOTE_IP] }]);
  });

  it('does not run without IPv6 on the NIC, nor for an IPv4 remote', async () => {
    const { run, calls } = fakeRunner(() => ({ stdout: nmapXml(nmapHost('up', REMOTE_IP, REMOTE_MAC)) }));
    expect(await checkNmapIpv6(run, { ...ETH0, ipv6: [] }, REMOTE_IP, [REMOTE_MAC])).toBeUndefined();
    expect(await checkNmapIpv6(run, ETH0, '192.168.1.1', [REMOTE_MAC])).toBeUndefined();
    expect(calls).toEqual([]);
  });
});
