/**
 * The part of nmap's `-oX -` report the network steps read: each <host>'s status and addresses.
 * Hand-written rather than a general XML parser because nmap's report is flat and machine-made; the
 * tag scanner still insists on well-formed nesting, so a truncated or garbled report (nmap killed
 * mid-run, a wrapper printing text) is an error rather than a silently empty host list.
 */

export interface NmapAddress {
  addr: string;
  /** "ipv4", "ipv6" or "mac". */
  addrtype: string;
  /** Only on MAC addresses, when nmap knows the OUI. */
  vendor?: string;
}

export interface NmapHost {
  /** "up", "down", "unknown" or "skipped"; empty when the host had no <status>. */
  state: string;
  addresses: NmapAddress[];
}

export class NmapXmlError extends Error {
  constructor(message: string) {
    super(`invalid nmap XML: ${message}`);
    this.name = 'NmapXmlError';
  }
}

// Declarations, processing instructions, comments and DOCTYPE carry nothing nmap's readers need.
const PROLOG_RE = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/g;
const TAG_RE = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const ATTR_RE = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescape(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, name: string) => {
    if (name[0] === '#') return String.fromCodePoint(name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] ?? '';
  });
}

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(ATTR_RE)) out[m[1] as string] = unescape(m[2] ?? m[3] ?? '');
  return out;
}

/** The hosts of an nmap XML report, in report order. Throws NmapXmlError when it is not one. */
export function parseNmapXml(xml: string): NmapHost[] {
  const body = xml.replace(PROLOG_RE, '');
  const stack: string[] = [];
  const hosts: NmapHost[] = [];
  let current: NmapHost | undefined;
  let sawRoot = false;
  let pos = 0;
  while (pos < body.length) {
    const lt = body.indexOf('<', pos);
    if (lt < 0) break;
    TAG_RE.lastIndex = lt;
    const m = TAG_RE.exec(body);
    if (!m) throw new NmapXmlError(`malformed markup at offset ${lt}`);
    pos = TAG_RE.lastIndex;
    const [, closing, name, attrText, selfClosing] = m as unknown as [string, string, string, string, string];
    if (closing) {
      if (stack.pop() !== name) throw new NmapXmlError(`unexpected </${name}>`);
      if (name === 'host') current = undefined;
      continue;
    }
    if (stack.length === 0) {
      if (sawRoot || name !== 'nmaprun') throw new NmapXmlError(`unexpected root element <${name}>`);
      sawRoot = true;
    }
    const parent = stack.at(-1);
    if (name === 'host' && parent === 'nmaprun') {
      current = { state: '', addresses: [] };
      hosts.push(current);
    } else if (current && parent === 'host' && name === 'status') {
      current.state = attributes(attrText).state ?? '';
    } else if (current && parent === 'host' && name === 'address') {
      const a = attributes(attrText);
      current.addresses.push({ addr: a.addr ?? '', addrtype: a.addrtype ?? '', ...(a.vendor ? { vendor: a.vendor } : {}) });
    }
    if (!selfClosing) stack.push(name);
    else if (name === 'host') current = undefined;
  }
  if (!sawRoot) throw new NmapXmlError('no <nmaprun> element');
  if (stack.length > 0) throw new NmapXmlError(`unclosed <${stack.at(-1)}>`);
  return hosts;
}

/** Addresses of the given type on hosts nmap reported up. */
export function upAddresses(hosts: readonly NmapHost[], addrtype: string): string[] {
  return hosts.filter((h) => h.state === 'up').flatMap((h) => h.addresses.filter((a) => a.addrtype === addrtype).map((a) => a.addr));
}
