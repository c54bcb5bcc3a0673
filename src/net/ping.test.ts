import { describe, expect, it } from 'vitest';
import { fakeRunner } from './fake-runner.test-support.js';
import { checkL3, parsePingSummary, PingParseError } from './ping.js';
import { PING_KO_AVERAGE, PING_KO_DOUBLE_SPACE, PING_OK_0, PING_OK_60, PING_OK_DECIMAL, PING_UNREACHABLE } from './testdata/recorded.js';

describe('ping summary', () => {
  it.each([
    ['no loss', PING_OK_0, 0, 17.099],
    ['60% loss', PING_OK_60, 60, 2.871],
    ['a decimal loss', PING_OK_DECIMAL, 23.33, 0.193],
  ])('reads %s', (_name, output, loss, rtt) => {
    expect(parsePingSummary(output)).toEqual({ packetLossPercentage: loss, averageRttMs: rtt });
  });

  it('refuses an rtt line labelled min/average (the expression names the awaited form)', () => {
    expect(() => parsePingSummary(PING_KO_AVERAGE)).toThrow(PingParseError);
    expect(() => parsePingSummary(PING_KO_AVERAGE)).toThrow(
      'ping output does not match the round trip time expression rtt min\\/avg\\/max\\/mdev = .*\\/([^/]+)\\/.*\\/.* ms',
    );
  });

  it('refuses a double space before "packet loss"', () => {
    expect(() => parsePingSummary(PING_KO_DOUBLE_SPACE)).toThrow(/^ping output does not match the packet loss expression /);
  });
});

describe('L3 check', () => {
  it('pings ten times quietly and reports loss and average RTT without an outgoing NIC', async () => {
    const { run, calls } = fakeRunner(() => ({ stdout: PING_OK_60 }));
    expect(await checkL3(run, '192.168.1.1')).toEqual({ remote_ip_address: '192.168.1.1', successful: true, packet_loss_percentage: 60, average_rtt_ms: 2.871 });
    expect(calls).toEqual([{ file: 'ping', args: ['-c', '10', '-W', '3', '-q', '192.168.1.1'] }]);
  });

  it('reports a failed ping as unsuccessful only', async () => {
    const { run } = fakeRunner(() => ({ stdout: PING_UNREACHABLE, exitCode: 1 }));
    expect(await checkL3(run, '192.168.1.9')).toEqual({ remote_ip_address: '192.168.1.9', successful: false });
  });

  it('turns an unreadable summary into an error, not a result', async () => {
    const { run } = fakeRunner(() => ({ stdout: PING_KO_AVERAGE }));
    await expect(checkL3(run, '192.168.1.1')).rejects.toThrow(PingParseError);
  });
});
