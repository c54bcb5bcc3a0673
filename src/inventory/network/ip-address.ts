/** The 4 or 16 bytes of an IP address, or undefined when it is not one. */
export function ipBytes(ip: string): Uint8Array | undefined {
  return ip.includes(':') ? ipv6Bytes(ip) : ipv4Bytes(ip);
}

// Hand-written rather than net.isIP*: their regular expressions cost milliseconds to compile, a
// noticeable share of a whole inventory run.
function ipv4Bytes(ip: string): Uint8Array | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    bytes[i] = Number(part);
  }
  return bytes;
}

function ipv6Bytes(ip: string): Uint8Array | undefined {
  let text = ip.split('%')[0] ?? '';
  let tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = ipv4Bytes(text.slice(lastColon + 1));
    if (!tail) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const rest = halves.length === 1 || halves[1] === '' ? [] : (halves[1] as string).split(':');
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < (halves.length === 2 ? 1 : 0) || head.length + fill + rest.length !== 8) return undefined;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...rest];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const group = groups[i] as string;
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  if (tail) bytes.set(tail, 12);
  return bytes;
}

/** Whether `ip` lies in `network`/`prefixLength` (same family only). */
export function prefixContains(network: string, prefixLength: number, ip: string): boolean {
  const net = ipBytes(network);
  const addr = ipBytes(ip);
  if (!net || !addr || net.length !== addr.length) return false;
  let bits = prefixLength;
  for (let i = 0; i < net.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((net[i] as number) & mask) !== ((addr[i] as number) & mask)) return false;
  }
  return true;
}

/** 169.254.0.0/16 and fe80::/10: addresses that never leave the link. */
export function isLinkLocalUnicast(ip: string): boolean {
  return prefixContains('169.254.0.0', 16, ip) || prefixContains('fe80::', 10, ip);
}

/** Go's net.IP.IsGlobalUnicast: anything but unspecified, loopback, multicast, link-local and broadcast. */
export function isGlobalUnicast(ip: string): boolean {
  const bytes = ipBytes(ip);
  if (!bytes) return false;
  if (bytes.every((b) => b === 0)) return false;
  if (isLinkLocalUnicast(ip)) return false;
  if (bytes.length === 4) {
    return bytes[0] !== 127 && ((bytes[0] as number) & 0xf0) !== 0xe0 && !bytes.every((b) => b === 0xff);
  }
  return !prefixContains('::1', 128, ip) && bytes[0] !== 0xff;
}
