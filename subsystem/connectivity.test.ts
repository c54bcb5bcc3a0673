/**
 * connectivity_check for real: the packaged binary runs inside one namespaced host and probes the
 * others over a bridge — a plain peer, a jumbo-frame peer, an unplugged one, and an address two
 * hosts answer for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topology } from './support/netns.js';
import { swaggerErrors } from '../test/support/swagger.js';
import { runToolInNetns } from './support/tool-in-netns.js';
import { withoutNulls } from '../test/support/go-null.js';


const IDS = {
  normal: '11111111-1111-4111-8111-111111111111',
  jumbo: '22222222-2222-4222-8222-222222222222',
  down: '33333333-3333-4333-8333-333333333333',
};
const MACS = { checker: '02:00:00:00:01:10', normal: '02:00:00:00:01:11', jumbo: '02:00:00:00:01:12', down: '02:00:00:00:01:13' };
const CONFLICT_IP = '198.18.0.21';

interface L2 { outgoing_ip_address?: string; outgoing_nic?: string; remote_ip_address: string; remote_mac?: string; successful?: boolean }
interface L3 { average_rtt_ms?: number; packet_loss_percentage?: number; outgoing_nic?: string; remote_ip_address: string; successful?: boolean }
interface Mtu { mtu_successful?: boolean; outgoing_nic: string; remote_ip_address: string }
interface RemoteHost { host_id: string; l2_connectivity: L2[] | null; l3_connectivity: L3[] | null; mtu_report: Mtu[] | null }

let topology: Topology;
let output = '';
let report: { remote_hosts: RemoteHost[] };


function remote(id: string): RemoteHost {
  const host = report.remote_hosts.find((h) => h.host_id === id);
  if (!host) throw new Error(`no report for ${id}: ${output}`);
  return host;
}

describe('connectivity_check on namespaced hosts', () => {
  beforeAll(async () => {
    topology = await Topology.create({
      prefix: 'ib-conn',
      bridgeMtu: 9000,
      hosts: [
        { name: 'checker', addresses: ['198.18.0.10/24', '2001:db8::10/64'], mac: MACS.checker, mtu: 9000 },
        { name: 'normal', addresses: ['198.18.0.11/24', '2001:db8::11/64', `${CONFLICT_IP}/24`], mac: MACS.normal },
        { name: 'jumbo', addresses: ['198.18.0.12/24', '2001:db8::12/64'], mac: MACS.jumbo, mtu: 9000 },
        { name: 'down', addresses: ['198.18.0.13/24'], mac: MACS.down, down: true },
      ],
    });
    // The second answerer for an address the service believes belongs to "normal" alone.
    await topology.addAddress('jumbo', `${CONFLICT_IP}/24`);
    const params = [
      { host_id: IDS.jumbo, nics: [{ name: 'eth0', mac: MACS.jumbo.toUpperCase(), ip_addresses: ['198.18.0.12', '2001:db8::12'] }] },
      { host_id: IDS.normal, nics: [{ name: 'eth0', mac: MACS.normal, ip_addresses: ['198.18.0.11', '2001:db8::11', CONFLICT_IP] }] },
      { host_id: IDS.down, nics: [{ name: 'eth0', mac: MACS.down, ip_addresses: ['198.18.0.13'] }] },
    ];
    const { stdout, code, stderr } = await runToolInNetns(topology.host('checker').netns, 'connectivity_check', JSON.stringify(params));
    expect(code, stderr).toBe(0);
    output = stdout;
    report = JSON.parse(stdout) as { remote_hosts: RemoteHost[] };
  }, 120_000);

  afterAll(async () => {
    await topology?.destroy();
  });

  it('lists the remote hosts in host_id order', () => {
    expect(report.remote_hosts.map((h) => h.host_id)).toEqual([IDS.normal, IDS.jumbo, IDS.down]);
  });

  it('measures L3 to a reachable peer: no loss, a positive RTT, no outgoing NIC', () => {
    const l3 = remote(IDS.normal).l3_connectivity ?? [];
    expect(l3.map((e) => e.remote_ip_address)).toEqual(['198.18.0.11', '198.18.0.21', '2001:db8::11']);
    for (const entry of l3) {
      expect(entry.successful).toBe(true);
      expect(entry.packet_loss_percentage).toBeUndefined(); // 0 is omitted, as omitempty does
      expect(entry.average_rtt_ms).toBeGreaterThan(0);
      expect(entry.outgoing_nic).toBeUndefined();
    }
  });

  it('finds the peer MAC at L2 over ARP and neighbour discovery', () => {
    const l2 = remote(IDS.normal).l2_connectivity ?? [];
    expect(l2.find((e) => e.remote_ip_address === '198.18.0.11')).toEqual({
      outgoing_ip_address: '198.18.0.10',
      outgoing_nic: 'eth0',
      remote_ip_address: '198.18.0.11',
      remote_mac: MACS.normal,
      successful: true,
    });
    expect(l2.find((e) => e.remote_ip_address === '2001:db8::11')).toEqual({
      outgoing_nic: 'eth0',
      remote_ip_address: '2001:db8::11',
      remote_mac: MACS.normal,
      successful: true,
    });
  });

  it('reports an IP conflict as a second, unsuccessful L2 entry for the address', () => {
    const conflict = (remote(IDS.normal).l2_connectivity ?? []).filter((e) => e.remote_ip_address === CONFLICT_IP);
    expect(conflict).toEqual([
      { outgoing_ip_address: '198.18.0.10', outgoing_nic: 'eth0', remote_ip_address: CONFLICT_IP, remote_mac: MACS.normal, successful: true },
      { outgoing_ip_address: '198.18.0.10', outgoing_nic: 'eth0', remote_ip_address: CONFLICT_IP, remote_mac: MACS.jumbo },
    ]);
  });

  it('matches the remote MACs case-insensitively and gets jumbo frames through to the MTU 9000 peer', () => {
    const jumbo = remote(IDS.jumbo);
    expect((jumbo.l2_connectivity ?? []).map((e) => [e.remote_ip_address, e.remote_mac, e.successful])).toEqual([
      ['198.18.0.12', MACS.jumbo, true],
      ['2001:db8::12', MACS.jumbo, true],
    ]);
    expect(jumbo.mtu_report).toEqual([
      { mtu_successful: true, outgoing_nic: 'eth0', remote_ip_address: '198.18.0.12' },
      { mtu_successful: true, outgoing_nic: 'eth0', remote_ip_address: '2001:db8::12' },
    ]);
  });

  it('reports the MTU 1500 peer as unable to take full-size frames', () => {
    const mtu = remote(IDS.normal).mtu_report ?? [];
    expect(mtu.find((e) => e.remote_ip_address === '198.18.0.11')).toEqual({ outgoing_nic: 'eth0', remote_ip_address: '198.18.0.11' });
    expect(mtu.find((e) => e.remote_ip_address === '2001:db8::11')).toEqual({ outgoing_nic: 'eth0', remote_ip_address: '2001:db8::11' });
  });

  it('reports an unplugged peer as unreachable, with no L2 answer and no MTU verdict', () => {
    const down = remote(IDS.down);
    expect(down.l3_connectivity).toEqual([{ remote_ip_address: '198.18.0.13' }]);
    expect(down.l2_connectivity).toBeNull();
    expect(down.mtu_report).toBeNull();
  });

  it('validates against swagger connectivity-report', () => {
    expect(swaggerErrors('connectivity-report', withoutNulls(report))).toEqual([]);
  });
});
