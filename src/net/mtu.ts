/**
 * Whether a full-size frame gets through: for a NIC whose MTU is not the default 1500, ping with
 * "don't fragment" and a payload that fills the MTU exactly (minus the IPv4+ICMP or IPv6+ICMPv6 headers).
 */
import type { MtuReport } from './connectivity-model.js';
import { isIpv4, type OutgoingNic } from './outgoing-nics.js';
import type { ProbeRunner } from './probe-runner.js';

const DEFAULT_MTU = 1500;
const IPV4_HEADERS = 28;
const IPV6_HEADERS = 48;
export const MTU_PING_TIMEOUT_MS = 15_000;

export function mtuPayloadSize(mtu: number, remoteIp: string): number {
  return mtu - (isIpv4(remoteIp) ? IPV4_HEADERS : IPV6_HEADERS);
}

/**
 * Undefined when the MTU is the default or a plain ping already fails (unreachability is the L3
 * result's business, not an MTU problem). A NIC without an address of the remote's family still
 * reports success, as upstream does.
 */
export async function checkMtu(run: ProbeRunner, nic: OutgoingNic, remoteIp: string): Promise<MtuReport | undefined> {
  if (nic.mtu === DEFAULT_MTU) return undefined;
  const report: MtuReport = { outgoing_nic: nic.name, remote_ip_address: remoteIp, mtu_successful: true };
  const sameFamily = isIpv4(remoteIp) ? nic.ipv4 : nic.ipv6;
  // Upstream repeats both pings per local address, but they name only the NIC, so one round tells the same.
  if (sameFamily.length === 0) return report;
  const plain = await run('ping', [remoteIp, '-c', '3', '-I', nic.name], MTU_PING_TIMEOUT_MS);
  if (plain.exitCode !== 0) return undefined;
  const full = await run('ping', [remoteIp, '-c', '3', '-M', 'do', '-s', String(mtuPayloadSize(nic.mtu, remoteIp)), '-I', nic.name], MTU_PING_TIMEOUT_MS);
  return { ...report, mtu_successful: full.exitCode === 0 };
}
