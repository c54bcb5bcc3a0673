import { describe, expect, it } from 'vitest';
import { checkArping, parseArping } from './arping.js';
import { fakeRunner } from './fake-runner.test-support.js';
import type { OutgoingNic } from './outgoing-nics.js';
import { ARPING_CONFLICT, ARPING_NO_REPLY, ARPING_OK, ARPING_PARTIAL } from './testdata/recorded.js';

const ETH0: OutgoingNic = { name: 'eth0', mtu: 1500, ipv4: [{ address: '192.168.1.133', prefixLength: 24 }], ipv6: [] };
const REMOTE_MAC = 'f8:75:a4:a4:00:fe';
const OK_ENTRY = { outgoing_ip_address: '192.168.1.133', outgoing_nic: 'eth0', remote_ip_address: '192.168.1.1', remote_mac: REMOTE_MAC, successful: true };

describe('arping output', () => {
  it('reads the source address and each answering MAC once, lower-cased', () => {
    expect(parseArping(ARPING_OK)).toEqual({ outgoingIp: '192.168.1.133', macs: [REMOTE_MAC] });
    expect(parseArping(ARPING_CONFLICT).macs).toEqual([REMOTE_MAC, '00:50:56:95:ba:55']);
  });

  it('ignores a reply line without the two spaces before the time', () => {
    expect(parseArping(ARPING_OK.replace(/\]  /g, '] ')).macs).toEqual([]);
  });

  it('refuses output without the ARPING header', () => {
    expect(() => parseArping('arping: socket: Operation not permitted\n')).toThrow(/no "ARPING <ip> from <ip> <nic>" line/);
  });
});

describe('IPv4 arping check', () => {
  it('happy flow: argv and one successful entry', async () => {
    const { run, calls } = fakeRunner(() => ({ stdout: ARPING_OK }));
    expect(await checkArping(run, ETH0, '192.168.1.1', [REMOTE_MAC])).toEqual([OK_ENTRY]);
    expect(calls).toEqual([{ file: 'arping', args: ['-c', '10', '-w', '5', '-I', 'eth0', '192.168.1.1'] }]);
  });

  it('does not run on a NIC without IPv4 addresses, nor for an IPv6 remote', async () => {
    const { run, calls } = fakeRunner(() => ({ stdout: ARPING_OK }));
    expect(await checkArping(run, { ...ETH0, ipv4: [] }, '192.168.1.1', [REMOTE_MAC])).toBeUndefined();
    expect(await checkArping(run, ETH0, '2001:db8::1', [REMOTE_MAC])).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('counts an answer from any of the remote host\'s MACs (a secondary NIC)', async () => {
    const { run } = fakeRunner(() => ({ stdout: ARPING_OK }));
    expect(await checkArping(run, ETH0, '192.168.1.1', ['02:00:00:00:00:01', REMOTE_MAC])).toEqual([OK_ENTRY]);
  });

  it('marks an unexpected MAC unsuccessful', async () => {
    const { run } = fakeRunner(() => ({ stdout: ARPING_OK }));
    expect(await checkArping(run, ETH0, '192.168.1.1', ['02:00:00:00:00:01'])).toEqual([{ ...OK_ENTRY, successful: false }]);
  });

  it('reports an IP conflict: every answering MAC, the stranger unsuccessful', async () => {
    const { run } = fakeRunner(() => ({ stdout: ARPING_CONFLICT }));
    expect(await checkArping(run, ETH0, '192.168.1.1', [REMOTE_MAC])).toEqual([
      OK_ENTRY,
      { ...OK_ENTRY, remote_mac: '00:50:56:95:ba:55', successful: false },
    ]);
  });

  it('no reply: no entries (arping exits 1)', async () => {
    const { run } = fakeRunner(() => ({ stdout: ARPING_NO_REPLY, exitCode: 1 }));
    expect(await checkArping(run, ETH0, '192.168.1.9', [REMOTE_MAC])).toEqual([]);
  });

  it('reads the replies when RHEL 9 arping exits 1 for missing ones', async () => {
    const { run } = fakeRunner(() => ({ stdout: ARPING_PARTIAL, exitCode: 1 }));
    expect(await checkArping(run, ETH0, '192.168.1.1', [REMOTE_MAC])).toEqual([OK_ENTRY]);
  });

  it('gives no report on any other failure', async () => {
    const { run } = fakeRunner(() => ({ stderr: 'arping: Device eth0 not available.', exitCode: 2 }));
    expect(await checkArping(run, ETH0, '192.168.1.1', [REMOTE_MAC])).toBeUndefined();
  });

  it('does not ask from a NIC whose subnets do not hold the remote address', async () => {
    const { run, calls } = fakeRunner(() => ({ stdout: ARPING_OK }));
    expect(await checkArping(run, { ...ETH0, ipv4: [{ address: '10.0.0.5', prefixLength: 24 }] }, '192.168.1.1', [REMOTE_MAC])).toBeUndefined();
    expect(calls).toEqual([]);
  });
});
