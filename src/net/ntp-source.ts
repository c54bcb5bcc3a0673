import { isIP } from 'node:net';

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, 253 characters at most.
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isHostname(value: string): boolean {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/** The items of a comma-separated source list, blanks around commas ignored. */
export function splitNtpSources(list: string): string[] {
  return list.split(',').map((item) => item.trim());
}

/** The first item that is neither an IP address nor a host name, in upstream's words; undefined when all are fine. */
export function invalidNtpSource(list: string): string | undefined {
  const bad = splitNtpSources(list).find((item) => isIP(item) === 0 && !isHostname(item));
  return bad === undefined ? undefined : `Invalid NTP source: ${bad}`;
}
