import { describe, expect, it } from 'vitest';
import { parseNmapXml, upAddresses } from './nmap-xml.js';

// Recorded from nmap 7.93 (`nmap -sn -PR -n -oX - 198.18.0.0/30` in a test namespace), trimmed.
const RECORDED = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<!-- Nmap 7.93 scan initiated Sat Nov 21 07:04:48 2026 as: nmap -sn -PR -n -oX - 198.18.0.0/30 -->
<nmaprun scanner="nmap" args="nmap -sn -PR -n -oX - 198.18.0.0/30" start="1795244688" version="7.93" xmloutputversion="1.05">
<verbose level="0"/>
<debugging level="0"/>
<host><status state="up" reason="localhost-response" reason_ttl="0"/>
<address addr="198.18.0.1" addrtype="ipv4"/>
<hostnames>
</hostnames>
</host>
<host><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="198.18.0.2" addrtype="ipv4"/>
<address addr="02:AA:BB:CC:DD:EE" addrtype="mac" vendor="Acme &amp; Co"/>
<hostnames>
</hostnames>
</host>
<runstats><finished time="1795244689" elapsed="1.46" exit="success"/><hosts up="2" down="2" total="4"/>
</runstats>
</nmaprun>
`;

describe('nmap XML', () => {
  it('reads status and addresses of every host', () => {
    expect(parseNmapXml(RECORDED)).toEqual([
      { state: 'up', addresses: [{ addr: '198.18.0.1', addrtype: 'ipv4' }] },
      {
        state: 'up',
        addresses: [
          { addr: '198.18.0.2', addrtype: 'ipv4' },
          { addr: '02:AA:BB:CC:DD:EE', addrtype: 'mac', vendor: 'Acme & Co' },
        ],
      },
    ]);
    expect(upAddresses(parseNmapXml(RECORDED), 'ipv4')).toEqual(['198.18.0.1', '198.18.0.2']);
  });

  it('keeps hosts that are down out of the up addresses', () => {
    const xml = `<nmaprun><host><status state="down"/><address addr="10.0.0.250" addrtype="ipv4"/></host>
      <host><status state="up"/><address addr="10.0.0.254" addrtype="ipv4"/></host></nmaprun>`;
    expect(parseNmapXml(xml).map((h) => h.state)).toEqual(['down', 'up']);
    expect(upAddresses(parseNmapXml(xml), 'ipv4')).toEqual(['10.0.0.254']);
  });

  it('reads a report without hosts', () => {
    expect(parseNmapXml('<nmaprun />')).toEqual([]);
    expect(parseNmapXml('<?xml version="1.0"?><nmaprun scanner="nmap"></nmaprun>\n')).toEqual([]);
  });

  it.each([
    ['plain text', 'Starting Nmap 7.93'],
    ['empty output', ''],
    ['a truncated report', '<nmaprun><host><status state="up"/>'],
    ['mismatched tags', '<nmaprun><host></nmaprun></host>'],
    ['broken markup', '<nmaprun><host <status/></host></nmaprun>'],
    ['another root', '<html></html>'],
  ])('refuses %s', (_, xml) => {
    expect(() => parseNmapXml(xml)).toThrow(/^invalid nmap XML: /);
  });
});
