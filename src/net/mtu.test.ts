import { describe, expect, it } from 'vitest';
import { fakeRunner } from './fake-runner.test-support.js';
import { checkMtu } from './mtu.js';
import type { OutgoingNic } from './outgoing-nics.js';

function nic(mtu: number): OutgoingNic {
  return { name: 'eth0', mtu, ipv4: [{ address: '192.168.1.133', prefixLength: 24 }], ipv6: [{ address: '2001:db8::1', prefixLength: 64 }] };
}

const CASES = [
  { mtu: 9000, remote: '192.168.1.1', size: '8972' },
  { mtu: 1300, remote: '192.168.1.1', size: '1272' },
  { mtu: 9000, remote: '2001:db8::2', size: '8952' },
  { mtu: 1300, remote: '2001:db8::2', size: '1252' },
];

describe('MTU check', () => {
  it.each(CASES)('MTU $mtu to $remote: a full $size-byte payload gets through', async ({ mtu, remote, size }) => {
    const { run, calls } = fakeRunner(() => ({ exitCode: 0 }));
    expect(await checkMtu(run, nic(mtu), remote)).toEqual({ outgoing_nic: 'eth0', remote_ip_address: remote, mtu_successful: true });
    expect(calls).toEqual([
      { file: 'ping', args: [remote, '-c', '3', '-I', 'eth0'] },
      { file: 'ping', args: [remote, '-c', '3', '-M', 'do', '-s', size, '-I', 'eth0'] },
    ]);
  });

  it.each(CASES)('MTU $mtu to $remote: a dropped $size-byte payload is reported', async ({ mtu, remote, size }) => {
    const { run } = fakeRunner((_file, args) => ({ exitCode: args.includes(size) ? 1 : 0 }));
    expect(await checkMtu(run, nic(mtu), remote)).toEqual({ outgoing_nic: 'eth0', remote_ip_address: remote, mtu_successful: false });
  });

  it('MTU equal 1500 - should not check', async () => {
    const { run, calls } = fakeRunner(() => ({ exitCode: 0 }));
    expect(await checkMtu(run, nic(1500), '192.168.1.1')).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('leaves an unreachable remote to the L3 result', async () => {
    const { run, calls } = fakeRunner(() => ({ exitCode: 1 }));
    expect(await checkMtu(run, nic(9000), '192.168.1.1')).toBeUndefined();
    expect(calls).toHaveLength(1);
  });

  it('reports success without probing when the NIC has no address of the remote family', async () => {
    const { run, calls } = fakeRunner(() => ({ exitCode: 1 }));
    expect(await checkMtu(run, { ...nic(9000), ipv6: [] }, '2001:db8::2')).toEqual({ outgoing_nic: 'eth0', remote_ip_address: '2001:db8::2', mtu_successful: true });
    expect(calls).toEqual([]);
  });
});
