/** Address arithmetic the scheduler and validations need; strings in, strings out. */

import { formatIpv4, parseIpv4 } from '../../net/cidr.js';

// One dotted-quad parser for the agent's scans and the service's reasoning (Go's rules: no leading zeros).
export { formatIpv4, parseIpv4 };

/** "10.8.0.57/22" → "10.8.0.0/22": the network, as nmap and upstream expect a CIDR to look. */
export function ipv4Network(cidr: string): { network: string; prefix: number } | undefined {
  const [address, prefixText, extra] = cidr.split('/');
  if (address === undefined || prefixText === undefined || extra !== undefined || !/^[0-9]{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const value = parseIpv4(address);
  if (value === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { network: `${formatIpv4(Math.floor(value / size) * size)}/${prefix}`, prefix };
}

/** The address part of an inventory entry such as "10.0.0.15/24" or "2001:db8::20/64". */
export function stripPrefix(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash === -1 ? cidr : cidr.slice(0, slash);
}

/** Addresses another host cannot usefully be asked to reach. */
export function isLocalOnly(address: string): boolean {
  const lower = address.toLowerCase();
  if (lower.includes(':')) return lower === '::1' || lower === '::' || /^fe[89ab][0-9a-f]?:/.test(lower);
  return address.startsWith('127.') || address.startsWith('169.254.') || address === '0.0.0.0';
}

export function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || /^(0*:)+0*$/.test(address);
}
