/**
 * L2 reachability over IPv4: `arping -c 10 -w 5 -I <nic> <ip>`. Every MAC that answers is a result,
 * so a second MAC answering for one address shows up as an IP conflict.
 */
import { prefixContains } from '../inventory/network/ip-address.js';
import type { L2Connectivity } from './connectivity-model.js';
import { isIpv4, type OutgoingNic } from './outgoing-nics.js';
import { combinedOutput, type ProbeRunner } from './probe-runner.js';

const HEADER_RE = /^ARPING ([^ ]+) from ([^ ]+) ([^ ]+)$/;
// Two spaces before the time, as iputils prints it.
const REPLY_RE = /^Unicast reply from ([^ ]+) \[([^\]]+)\]  [^ ]+$/;

export interface ArpingOutput {
  outgoingIp: string;
  /** Answering MACs, lower-cased, each once, in the order they first answered. */
  macs: string[];
}

export class ArpingParseError extends Error {}

export function parseArping(output: string): ArpingOutput {
  const lines = output.split('\n').map((line) => line.replace(/\r$/, ''));
  const header = lines.map((line) => HEADER_RE.exec(line)).find((match) => match !== null);
  if (!header) throw new ArpingParseError(`arping output has no "ARPING <ip> from <ip> <nic>" line: ${output.trim()}`);
  const macs: string[] = [];
  for (const line of lines) {
    const reply = REPLY_RE.exec(line);
    const mac = reply?.[2]?.toLowerCase();
    if (mac && !macs.includes(mac)) macs.push(mac);
  }
  return { outgoingIp: header[2] as string, macs };
}

export const ARPING_TIMEOUT_MS = 15_000;

/** ARP only reaches the NIC's own subnets; a remote address outside them would be asked in vain. */
export function arpingApplies(nic: OutgoingNic, remoteIp: string): boolean {
  return isIpv4(remoteIp) && nic.ipv4.some((cidr) => cidr.prefixLength > 0 && prefixContains(cidr.address, cidr.prefixLength, remoteIp));
}

/**
 * Undefined when arping does not apply or failed; [] when nobody answered. Exit code 1 only means
 * some probes got no answer (RHEL 9 iputils), so its output is still read.
 */
export async function checkArping(run: ProbeRunner, nic: OutgoingNic, remoteIp: string, remoteMacs: readonly string[]): Promise<L2Connectivity[] | undefined> {
  if (!arpingApplies(nic, remoteIp)) return undefined;
  const result = await run('arping', ['-c', '10', '-w', '5', '-I', nic.name, remoteIp], ARPING_TIMEOUT_MS);
  if (result.exitCode !== 0 && result.exitCode !== 1) return undefined;
  const parsed = parseArping(combinedOutput(result));
  return parsed.macs.map((mac) => ({
    outgoing_ip_address: parsed.outgoingIp,
    outgoing_nic: nic.name,
    remote_ip_address: remoteIp,
    remote_mac: mac,
    successful: remoteMacs.includes(mac),
  }));
}
