/**
 * IPv4 networks as the free-addresses scan needs them: parsed with Go's rules and error texts (the
 * service shows them to users), checked for canonical form, cut into scan-sized chunks and
 * enumerated. Addresses are kept as unsigned 32-bit numbers.
 */

export interface Ipv4Network {
  /** The network address (host bits cleared). */
  base: number;
  prefix: number;
}

const OCTET_RE = /^(0|[1-9][0-9]{0,2})$/;

/** A dotted-quad IPv4 address as a number, or undefined when it is not one (leading zeros are refused, as Go does). */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET_RE.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function formatNetwork(network: Ipv4Network): string {
  return `${formatIpv4(network.base)}/${network.prefix}`;
}

export class CidrError extends Error {}

/**
 * The network a CIDR names, which must be written canonically (host bits clear): a scan of
 * "10.0.0.1/24" would silently cover 10.0.0.0/24, so upstream refuses it and says which form it meant.
 */
export function parseCanonicalIpv4Cidr(text: string): Ipv4Network {
  const slash = text.indexOf('/');
  const address = slash < 0 ? undefined : parseIpv4(text.slice(0, slash));
  const prefixText = slash < 0 ? '' : text.slice(slash + 1);
  if (address === undefined || !/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > 32) {
    throw new CidrError(`invalid CIDR address: ${text}`);
  }
  const prefix = Number(prefixText);
  const network = { base: (address & maskOf(prefix)) >>> 0, prefix };
  const canonical = formatNetwork(network);
  if (canonical !== text) throw new CidrError(`Requested CIDR ${canonical} is not equal to provided network ${text}`);
  return network;
}

export function networkSize(network: Ipv4Network): number {
  return 2 ** (32 - network.prefix);
}

/**
 * The network itself when it is no larger than /minPrefix, else its /minPrefix sub-networks in
 * address order; lazily, because a /0 has four million of them and the caller usually stops early.
 */
export function* splitNetwork(network: Ipv4Network, minPrefix: number): Generator<Ipv4Network> {
  if (network.prefix >= minPrefix) {
    yield network;
    return;
  }
  const step = 2 ** (32 - minPrefix);
  const count = networkSize(network) / step;
  for (let i = 0; i < count; i++) yield { base: network.base + i * step, prefix: minPrefix };
}

/** Every address of the network, network and broadcast addresses included. */
export function networkAddresses(network: Ipv4Network): string[] {
  const size = networkSize(network);
  const out = new Array<string>(size);
  for (let i = 0; i < size; i++) out[i] = formatIpv4(network.base + i);
  return out;
}
