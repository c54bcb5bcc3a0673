import { describe, expect, it } from 'vitest';
import { encodeGoJson } from '../inventory/go-json.js';
import { checkConnectivity, fakeConnectivity, MAX_CONCURRENT_HOSTS } from './connectivity.js';
import type { ConnectivityCheckHost } from './connectivity-model.js';
import { fakeRunner } from './fake-runner.test-support.js';
import type { OutgoingNic } from './outgoing-nics.js';
import type { ProbeRunner } from './probe-runner.js';
import { ARPING_CONFLICT, ARPING_NO_REPLY, ARPING_OK, nmapHost, nmapXml, PING_KO_AVERAGE, PING_OK_60, PING_UNREACHABLE } from './testdata/recorded.js';

const HOST_ID = 'a7a5c8d2-3f67-4e21-9d45-0b3b2f6a1c10';
const REMOTE_MAC = 'f8:75:a4:a4:00:fe';
const ETH0: OutgoingNic = { name: 'eth0', mtu: 1500, ipv4: [{ address: '192.168.1.133', prefixLength: 24 }], ipv6: [{ address: '2001:db8::1', prefixLength: 64 }] };
const ETH1: OutgoingNic = { name: 'eth1', mtu: 1500, ipv4: [{ address: '192.168.1.134', prefixLength: 24 }], ipv6: [] };
const noErrors = (err: Error): void => {
  throw err;
};

function host(ips: string[], id = HOST_ID, mac = REMOTE_MAC.toUpperCase()): ConnectivityCheckHost {
  return { host_id: id, nics: [{ name: 'eth0', mac, ip_addresses: ips }] };
}

/** A healthy segment: ping loses 60%, arping answers with the remote MAC, nmap finds it. */
function healthy(file: string, args: string[]): { stdout: string; exitCode?: number } {
  if (file === 'ping') return { stdout: PING_OK_60 };
  if (file === 'arping') return { stdout: ARPING_OK.replace(/192\.168\.1\.1 /g, `${args.at(-1)} `).replace(/from 192\.168\.1\.133 eth0/, `from 192.168.1.${args[5] === 'eth1' ? 134 : 133} ${args[5]}`) };
  return { stdout: nmapXml(nmapHost('up', args.at(-1) as string, REMOTE_MAC)) };
}

describe('connectivity check', () => {
  it('nominal IPv4 with two addresses: L3 per address, L2 per address and NIC, in order', async () => {
    const { run } = fakeRunner(healthy);
    const report = await checkConnectivity([host(['192.168.1.2', '192.168.1.1'])], { run, nics: [ETH0], onError: noErrors });
    expect(report).toEqual({
      remote_hosts: [
        {
          host_id: HOST_ID,
          l2_connectivity: [
            { outgoing_ip_address: '192.168.1.133', outgoing_nic: 'eth0', remote_ip_address: '192.168.1.1', remote_mac: REMOTE_MAC, successful: true },
            { outgoing_ip_address: '192.168.1.133', outgoing_nic: 'eth0', remote_ip_address: '192.168.1.2', remote_mac: REMOTE_MAC, successful: true },
          ],
          l3_connectivity: [
            { remote_ip_address: '192.168.1.1', successful: true, packet_loss_percentage: 60, average_rtt_ms: 2.871 },
            { remote_ip_address: '192.168.1.2', successful: true, packet_loss_percentage: 60, average_rtt_ms: 2.871 },
          ],
          mtu_report: null,
        },
      ],
    });
  });

  it('nominal IPv6: L2 through nmap, without an outgoing address', async () => {
    const { run } = fakeRunner(healthy);
    const [remote] = (await checkConnectivity([host(['2001:db8::2'])], { run, nics: [ETH0], onError: noErrors })).remote_hosts ?? [];
    expect(remote?.l2_connectivity).toEqual([{ outgoing_nic: 'eth0', remote_ip_address: '2001:db8::2', remote_mac: REMOTE_MAC, successful: true }]);
    expect(remote?.l3_connectivity).toEqual([{ remote_ip_address: '2001:db8::2', successful: true, packet_loss_percentage: 60, average_rtt_ms: 2.871 }]);
  });

  it('KO IPv4: neither ping nor ARP gets an answer', async () => {
    const { run } = fakeRunner((file) => (file === 'ping' ? { stdout: PING_UNREACHABLE, exitCode: 1 } : { stdout: ARPING_NO_REPLY, exitCode: 1 }));
    const report = await checkConnectivity([host(['192.168.1.9'])], { run, nics: [ETH0], onError: noErrors });
    expect(encodeGoJson(report)).toBe(`{"remote_hosts":[{"host_id":"${HOST_ID}","l2_connectivity":null,"l3_connectivity":[{"remote_ip_address":"192.168.1.9"}],"mtu_report":null}]}`);
  });

  it('KO IPv6: nmap finds nobody', async () => {
    const { run } = fakeRunner((file, args) => (file === 'ping' ? { stdout: PING_UNREACHABLE, exitCode: 1 } : { stdout: nmapXml(nmapHost('down', args.at(-1) as string)) }));
    const [remote] = (await checkConnectivity([host(['2001:db8::9'])], { run, nics: [ETH0], onError: noErrors })).remote_hosts ?? [];
    expect(remote?.l2_connectivity).toEqual([{ outgoing_nic: 'eth0', remote_ip_address: '2001:db8::9', successful: false }]);
    expect(remote?.l3_connectivity).toEqual([{ remote_ip_address: '2001:db8::9', successful: false }]);
  });

  it('reports an L2 IP conflict as an extra unsuccessful entry', async () => {
    const { run } = fakeRunner((file) => (file === 'arping' ? { stdout: ARPING_CONFLICT } : { stdout: PING_OK_60 }));
    const [remote] = (await checkConnectivity([host(['192.168.1.1'])], { run, nics: [ETH0], onError: noErrors })).remote_hosts ?? [];
    expect(remote?.l2_connectivity).toEqual([
      { outgoing_ip_address: '192.168.1.133', outgoing_nic: 'eth0', remote_ip_address: '192.168.1.1', remote_mac: '00:50:56:95:ba:55', successful: false },
      { outgoing_ip_address: '192.168.1.133', outgoing_nic: 'eth0', remote_ip_address: '192.168.1.1', remote_mac: REMOTE_MAC, successful: true },
    ]);
  });

  it('de-duplicates L2 entries and orders them the same way every time', async () => {
    const { run } = fakeRunner(healthy);
    // The same address on two remote NICs gives identical probes.
    const twice: ConnectivityCheckHost = { host_id: HOST_ID, nics: [{ name: 'a', mac: REMOTE_MAC, ip_addresses: ['192.168.1.1'] }, { name: 'b', mac: REMOTE_MAC, ip_addresses: ['192.168.1.1'] }] };
    const first = await checkConnectivity([twice], { run, nics: [ETH1, ETH0], onError: noErrors });
    const second = await checkConnectivity([twice], { run, nics: [ETH0, ETH1], onError: noErrors });
    expect(first).toEqual(second);
    expect(first.remote_hosts?.[0]?.l2_connectivity?.map((e) => e.outgoing_nic)).toEqual(['eth0', 'eth1']);
  });

  it('dual stack: ARP for IPv4, nmap for IPv6, each only where it applies', async () => {
    const { run, calls } = fakeRunner(healthy);
    const [remote] = (await checkConnectivity([host(['192.168.1.1', '2001:db8::2'])], { run, nics: [ETH0, ETH1], onError: noErrors })).remote_hosts ?? [];
    expect(remote?.l2_connectivity?.map((e) => [e.remote_ip_address, e.outgoing_nic])).toEqual([
      ['192.168.1.1', 'eth0'],
      ['192.168.1.1', 'eth1'],
      ['2001:db8::2', 'eth0'],
    ]);
    expect(calls.filter((c) => c.file === 'nmap').map((c) => c.args.at(-2))).toEqual(['eth0']);
  });

  it('fans out: once per remote address for ping, once per address and NIC for the NIC checkers', async () => {
    const { run, calls } = fakeRunner(healthy);
    const remote: ConnectivityCheckHost = {
      host_id: HOST_ID,
      nics: [
        { name: 'a', mac: REMOTE_MAC, ip_addresses: ['192.168.1.1', '192.168.1.2'] },
        { name: 'b', mac: '02:00:00:00:00:01', ip_addresses: ['192.168.1.3', '192.168.1.4'] },
      ],
    };
    const jumbo = (nic: OutgoingNic): OutgoingNic => ({ ...nic, mtu: 9000 });
    await checkConnectivity([remote], { run, nics: [jumbo(ETH0), jumbo(ETH1)], onError: noErrors });
    expect(calls.filter((c) => c.file === 'ping' && c.args[0] === '-c')).toHaveLength(4);
    expect(calls.filter((c) => c.file === 'arping')).toHaveLength(8);
    expect(calls.filter((c) => c.file === 'ping' && c.args.includes('do'))).toHaveLength(8);
  });

  it('collects checker errors without losing the other results', async () => {
    const { run } = fakeRunner((file) => (file === 'ping' ? { stdout: PING_KO_AVERAGE } : { stdout: ARPING_OK }));
    const errors: string[] = [];
    const [remote] = (await checkConnectivity([host(['192.168.1.1'])], { run, nics: [ETH0], onError: (err, what) => errors.push(`${what}: ${err.message}`) })).remote_hosts ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^ping 192\.168\.1\.1: ping output does not match the round trip time expression/);
    expect(remote?.l3_connectivity).toBeNull();
    expect(remote?.l2_connectivity).toHaveLength(1);
  });

  it('checks hosts concurrently, at most MAX_CONCURRENT_HOSTS at a time, and sorts them by host_id', async () => {
    let running = 0;
    let peak = 0;
    const run: ProbeRunner = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      return { stdout: PING_OK_60, stderr: '', exitCode: 0, timedOut: false };
    };
    const ids = Array.from({ length: 25 }, (_, i) => `${String(24 - i).padStart(8, '0')}-0000-4000-8000-000000000000`);
    const report = await checkConnectivity(ids.map((id, i) => host([`192.168.1.${i + 1}`], id)), { run, nics: [], onError: noErrors });
    expect(peak).toBe(MAX_CONCURRENT_HOSTS);
    expect(report.remote_hosts?.map((h) => h.host_id)).toEqual([...ids].sort());
  });

  it('reports no remote hosts as null', async () => {
    expect(encodeGoJson(await checkConnectivity([], { run: fakeRunner(healthy).run, nics: [ETH0], onError: noErrors }))).toBe('{"remote_hosts":null}');
  });
});

describe('dry-run connectivity', () => {
  it('declares every remote address reachable at L2 and L3 without running anything', () => {
    const report = fakeConnectivity([host(['192.168.1.2', '2001:db8::2'])]);
    expect(encodeGoJson(report)).toBe(
      `{"remote_hosts":[{"host_id":"${HOST_ID}","l2_connectivity":[{"remote_ip_address":"192.168.1.2","remote_mac":"${REMOTE_MAC}","successful":true},{"remote_ip_address":"2001:db8::2","remote_mac":"${REMOTE_MAC}","successful":true}],"l3_connectivity":[{"remote_ip_address":"192.168.1.2","successful":true},{"remote_ip_address":"2001:db8::2","successful":true}],"mtu_report":null}]}`,
    );
  });
});
