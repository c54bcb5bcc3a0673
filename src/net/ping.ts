/**
 * L3 reachability: `ping -c 10 -W 3 -q <ip>` summary lines. Only the summary is read (-q), so the
 * parse depends on two iputils lines that have been stable for decades.
 */
import type { L3Connectivity } from './connectivity-model.js';
import { combinedOutput, type ProbeRunner } from './probe-runner.js';

// Kept byte-compatible with upstream's expressions: a reply without a parsable summary must be an
// error here exactly when it is one there (a double space before "packet loss" is not accepted).
export const PACKET_LOSS_RE = /[\d]+ packets transmitted, [\d]+ received, (([\d]*[.])?[\d]+)% packet loss, time [\d]+ms/;
export const AVERAGE_RTT_RE = /rtt min\/avg\/max\/mdev = .*\/([^/]+)\/.*\/.* ms/;

export interface PingSummary {
  packetLossPercentage: number;
  averageRttMs: number;
}

export class PingParseError extends Error {}

export function parsePingSummary(output: string): PingSummary {
  const loss = PACKET_LOSS_RE.exec(output);
  if (!loss) throw new PingParseError(`ping output does not match the packet loss expression ${PACKET_LOSS_RE.source}: ${output.trim()}`);
  const rtt = AVERAGE_RTT_RE.exec(output);
  if (!rtt) throw new PingParseError(`ping output does not match the round trip time expression ${AVERAGE_RTT_RE.source}: ${output.trim()}`);
  return { packetLossPercentage: Number(loss[1]), averageRttMs: Number(rtt[1]) };
}

export const PING_TIMEOUT_MS = 30_000;

export function pingArgs(remoteIp: string): string[] {
  return ['-c', '10', '-W', '3', '-q', remoteIp];
}

/**
 * One L3 entry per remote address (not per NIC, so no outgoing_nic). A failed ping is an
 * unsuccessful entry; an unreadable successful one is an error, reported but not turned into a result.
 */
export async function checkL3(run: ProbeRunner, remoteIp: string): Promise<L3Connectivity> {
  const result = await run('ping', pingArgs(remoteIp), PING_TIMEOUT_MS);
  if (result.exitCode !== 0) return { remote_ip_address: remoteIp, successful: false };
  const summary = parsePingSummary(combinedOutput(result));
  return {
    remote_ip_address: remoteIp,
    successful: true,
    packet_loss_percentage: summary.packetLossPercentage,
    average_rtt_ms: summary.averageRttMs,
  };
}
