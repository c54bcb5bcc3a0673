// Frames crafted byte by byte from the IEEE 802.1AB-2016 TLV layouts (clause 8) and the
// organisationally specific TLVs of IEEE 802.1Q (annex D) and IEEE 802.3 (clause 79), shaped
// after what lldpd, Cisco IOS and Junos send.
import { describe, expect, it } from 'vitest';
import { MAX_STRING_LENGTH, MAX_TLVS_PER_FRAME } from './limits.js';
import { decodeLldpFrame, decodeLldpdu } from './tlv.js';

type Bytes = number[];

const ascii = (text: string): Bytes => [...Buffer.from(text, 'utf8')];
const u16 = (n: number): Bytes => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number): Bytes => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

/** A TLV: 7 bits of type, 9 bits of length, then the value. */
function tlv(type: number, ...value: Bytes[]): Bytes {
  const body = value.flat();
  return [...u16((type << 9) | body.length), ...body];
}

const END = tlv(0);
const chassisMac = (mac: Bytes): Bytes => tlv(1, [4], mac);
const portId = (subtype: number, id: Bytes): Bytes => tlv(2, [subtype], id);
const ttl = (seconds: number): Bytes => tlv(3, u16(seconds));
const portDescription = (text: string): Bytes => tlv(4, ascii(text));
const systemName = (text: string): Bytes => tlv(5, ascii(text));
const systemDescription = (text: string): Bytes => tlv(6, ascii(text));
const capabilities = (system: number, enabled: number): Bytes => tlv(7, u16(system), u16(enabled));
/** Management address: length of subtype + address, IANA family, address, ifIndex numbering, number, OID. */
const managementAddress = (family: number, address: Bytes, ifIndex: number, oid: Bytes = []): Bytes =>
  tlv(8, [address.length + 1, family], address, [2], u32(ifIndex), [oid.length], oid);
const dot1 = (subtype: number, ...body: Bytes[]): Bytes => tlv(127, [0x00, 0x80, 0xc2, subtype], ...body);
const dot3 = (subtype: number, ...body: Bytes[]): Bytes => tlv(127, [0x00, 0x12, 0x0f, subtype], ...body);
const portVlanId = (vid: number): Bytes => dot1(1, u16(vid));
const vlanName = (vid: number, name: string): Bytes => dot1(3, u16(vid), [name.length], ascii(name));
const macPhy = (): Bytes => dot3(1, [0x03], u16(0x6c00), u16(0x001e));
const linkAggregation3 = (status: number, port: number): Bytes => dot3(3, [status], u32(port));
const linkAggregation1 = (status: number, port: number): Bytes => dot1(7, [status], u32(port));
const maxFrameSize = (size: number): Bytes => dot3(4, u16(size));

const LLDP_MULTICAST = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e];
/** Destination, source, EtherType 0x88cc, then the LLDPDU. */
function ethernet(source: Bytes, ...tlvs: Bytes[]): Uint8Array {
  return Uint8Array.from([...LLDP_MULTICAST, ...source, 0x88, 0xcc, ...tlvs.flat()]);
}

const SWITCH_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

function decoded(frame: Uint8Array) {
  const result = decodeLldpFrame(frame);
  if (!result.ok) throw new Error(`expected a neighbour, got: ${result.reason}`);
  return result;
}

function refused(frame: Uint8Array): string {
  const result = decodeLldpFrame(frame);
  if (result.ok) throw new Error('expected the frame to be refused');
  return result.reason;
}

describe('an lldpd-style frame', () => {
  const frame = ethernet(
    SWITCH_MAC,
    chassisMac(SWITCH_MAC),
    portId(5, ascii('swp12')),
    ttl(120),
    systemName('leaf01.rack12.example.com'),
    systemDescription('Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP x86_64'),
    capabilities(0x0014, 0x0014),
    managementAddress(1, [192, 0, 2, 1], 2),
    managementAddress(2, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01], 2),
    portDescription('to host-a eno1'),
    linkAggregation3(0x01, 0),
    macPhy(),
    maxFrameSize(9216),
    portVlanId(100),
    vlanName(100, 'vlan100'),
    vlanName(200, 'storage'),
    END,
  );

  it('reports every field it carries', () => {
    const { advert, warnings } = decoded(frame);
    expect(warnings).toEqual([]);
    expect(advert).toEqual({
      chassis_id: '52:54:00:12:34:56',
      chassis_id_subtype: 'mac',
      port_id: 'swp12',
      port_id_subtype: 'ifname',
      port_description: 'to host-a eno1',
      system_name: 'leaf01.rack12.example.com',
      system_description: 'Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP x86_64',
      management_addresses: ['192.0.2.1', '2001:db8::1'],
      native_vlan: 100,
      vlans: [
        { id: 100, name: 'vlan100' },
        { id: 200, name: 'storage' },
      ],
      link_aggregation: { capable: true, enabled: false, port_id: 0 },
      max_frame_size: 9216,
      ttl_seconds: 120,
    });
  });

  it('reads the frame behind an 802.1Q tag', () => {
    const bytes = [...frame];
    const tagged = Uint8Array.from([...bytes.slice(0, 12), 0x81, 0x00, 0x00, 0x64, ...bytes.slice(12)]);
    expect(decoded(tagged).advert.system_name).toBe('leaf01.rack12.example.com');
  });

  it('refuses it cut anywhere inside a TLV, and says truncated or odd length', () => {
    // Every cut short of the end TLV: inside a header is an odd length, inside a value truncated.
    const endAt = frame.length - 2;
    for (let cut = 15; cut < endAt; cut++) {
      const result = decodeLldpFrame(frame.subarray(0, cut));
      if (result.ok) {
        // A cut exactly between two TLVs after the mandatory three leaves a readable frame without an end TLV.
        continue;
      }
      expect(result.reason).toMatch(/truncated|odd length/);
    }
    expect(refused(frame.subarray(0, 40))).toMatch(/^truncated: TLV 4 \(type 5\) claims 25 bytes, 3 are left/);
  });
});

describe('a Cisco-style frame', () => {
  const description =
    'Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.2(4)E10, RELEASE SOFTWARE (fc2)\nTechnical Support: http://www.cisco.com/techsupport';
  const frame = ethernet(
    [0x00, 0x1b, 0x54, 0xaa, 0xbb, 0x0c],
    chassisMac([0x00, 0x1b, 0x54, 0xaa, 0xbb, 0x00]),
    portId(5, ascii('Gi1/0/12')),
    ttl(120),
    portDescription('GigabitEthernet1/0/12'),
    systemName('sw-core-01.lab.example.com'),
    systemDescription(description),
    capabilities(0x0014, 0x0004),
    // IOS: the ifIndex numbering and an empty OID.
    managementAddress(1, [198, 18, 0, 2], 10012),
    macPhy(),
    portVlanId(1),
    // Cisco's own OUI (00-01-42): not part of what is reported.
    tlv(127, [0x00, 0x01, 0x42, 0x01], [0x01]),
    END,
  );

  it('reads the interface-name port ID, the multi-line description and the native VLAN', () => {
    const { advert, warnings } = decoded(frame);
    expect(warnings).toEqual([]);
    expect(advert.chassis_id).toBe('00:1b:54:aa:bb:00');
    expect(advert.port_id).toBe('Gi1/0/12');
    expect(advert.port_id_subtype).toBe('ifname');
    expect(advert.port_description).toBe('GigabitEthernet1/0/12');
    expect(advert.system_name).toBe('sw-core-01.lab.example.com');
    expect(advert.system_description).toBe(description);
    expect(advert.management_addresses).toEqual(['198.18.0.2']);
    expect(advert.native_vlan).toBe(1);
    expect(advert.vlans).toEqual([]);
    expect(advert.link_aggregation).toBeUndefined();
    expect(advert.max_frame_size).toBeUndefined();
    expect(advert.ttl_seconds).toBe(120);
  });
});

describe('a Juniper-style frame', () => {
  const frame = ethernet(
    [0x2c, 0x6b, 0xf5, 0x01, 0x02, 0x0c],
    chassisMac([0x2c, 0x6b, 0xf5, 0x01, 0x02, 0x00]),
    // Junos: a locally assigned port ID holding the SNMP ifIndex.
    portId(7, ascii('517')),
    ttl(120),
    portDescription('ge-0/0/12'),
    systemName('ex4300-rack12'),
    systemDescription('Juniper Networks, Inc. ex4300-48t Ethernet Switch, kernel JUNOS 21.4R3-S4.9, Build date: 2023-05-12 02:11:06 UTC Copyright (c) 1996-2023 Juniper Networks, Inc.'),
    capabilities(0x0014, 0x0014),
    // With the OID of the interface table entry (1.3.6.1.2.1.31.1.1.1.1.33, BER-encoded).
    managementAddress(1, [192, 0, 2, 12], 33, [0x2b, 0x06, 0x01, 0x02, 0x01, 0x1f, 0x01, 0x01, 0x01, 0x01, 0x21]),
    macPhy(),
    linkAggregation1(0x03, 600),
    maxFrameSize(1514),
    portVlanId(30),
    vlanName(30, 'prov-30'),
    vlanName(31, 'storage-31'),
    END,
    // Ethernet padding after the end TLV.
    Array.from({ length: 8 }, () => 0),
  );

  it('reads the local port ID, the 802.1 link aggregation and the VLAN names', () => {
    const { advert, warnings } = decoded(frame);
    expect(warnings).toEqual([]);
    expect(advert.port_id).toBe('517');
    expect(advert.port_id_subtype).toBe('local');
    expect(advert.port_description).toBe('ge-0/0/12');
    expect(advert.system_name).toBe('ex4300-rack12');
    expect(advert.management_addresses).toEqual(['192.0.2.12']);
    expect(advert.link_aggregation).toEqual({ capable: true, enabled: true, port_id: 600 });
    expect(advert.max_frame_size).toBe(1514);
    expect(advert.native_vlan).toBe(30);
    expect(advert.vlans).toEqual([
      { id: 30, name: 'prov-30' },
      { id: 31, name: 'storage-31' },
    ]);
  });
});

describe('frames that are refused or partly read', () => {
  const mandatory = [chassisMac(SWITCH_MAC), portId(3, SWITCH_MAC), ttl(120)];

  it('a zero TTL (the neighbour leaving) decodes with ttl_seconds 0', () => {
    const { advert } = decoded(ethernet(SWITCH_MAC, ...mandatory.slice(0, 2), ttl(0), END));
    expect(advert.ttl_seconds).toBe(0);
    expect(advert.port_id).toBe('52:54:00:12:34:56');
    expect(advert.port_id_subtype).toBe('mac');
  });

  it('an odd length: one byte after the last TLV where a header must be', () => {
    expect(refused(ethernet(SWITCH_MAC, ...mandatory, systemName('sw'), [0x0a]))).toMatch(/^odd length/);
  });

  it('a TLV that runs past the end of the frame', () => {
    const frame = ethernet(SWITCH_MAC, ...mandatory, systemName('leaf01'));
    expect(refused(frame.subarray(0, frame.length - 3))).toMatch(/^truncated: TLV 4/);
  });

  it('mandatory TLVs missing or out of order', () => {
    expect(refused(ethernet(SWITCH_MAC, portId(5, ascii('swp1')), chassisMac(SWITCH_MAC), ttl(120), END))).toMatch(/chassis ID TLV must come first/);
    expect(refused(ethernet(SWITCH_MAC, chassisMac(SWITCH_MAC), portId(5, ascii('swp1')), END))).toMatch(/time to live TLV must come third/);
    expect(refused(ethernet(SWITCH_MAC, chassisMac(SWITCH_MAC), portId(5, ascii('swp1'))))).toMatch(/mandatory/);
    expect(refused(Uint8Array.from([...LLDP_MULTICAST, ...SWITCH_MAC, 0x88]))).toMatch(/shorter than an Ethernet header/);
  });

  it('a mandatory TLV of the wrong size', () => {
    expect(refused(ethernet(SWITCH_MAC, chassisMac(SWITCH_MAC), portId(5, ascii('swp1')), tlv(3, [0, 120, 0]), END))).toMatch(/time to live TLV of 3 bytes/);
    expect(refused(ethernet(SWITCH_MAC, tlv(1, [4]), portId(5, ascii('swp1')), ttl(120), END))).toMatch(/chassis ID TLV of 1 bytes/);
    expect(refused(ethernet(SWITCH_MAC, ...mandatory, tlv(0, [1]), END))).toMatch(/end TLV with length 1/);
  });

  it('another EtherType', () => {
    const frame = ethernet(SWITCH_MAC, ...mandatory, END);
    frame[13] = 0xcd;
    expect(refused(frame)).toMatch(/EtherType 0x88cd is not LLDP/);
  });

  it('a wrong optional TLV is left out with a warning; the rest is kept', () => {
    const { advert, warnings } = decoded(
      ethernet(SWITCH_MAC, ...mandatory, dot1(1, [0, 100, 0]), vlanName(10, 'ten'), dot1(3, u16(11), [40], ascii('x')), dot3(4, [5]), systemName('leaf02'), END),
    );
    expect(advert.native_vlan).toBeUndefined();
    expect(advert.vlans).toEqual([{ id: 10, name: 'ten' }]);
    expect(advert.max_frame_size).toBeUndefined();
    expect(advert.system_name).toBe('leaf02');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/port VLAN ID TLV of 7 bytes/);
  });

  it('more TLVs than the cap', () => {
    const many = Array.from({ length: MAX_TLVS_PER_FRAME }, () => capabilities(4, 4));
    expect(refused(ethernet(SWITCH_MAC, ...mandatory, ...many, END))).toMatch(/more than 256 TLVs/);
  });

  it('strings cut to the cap, NUL terminators dropped, bytes that are not UTF-8 replaced', () => {
    const long = 'x'.repeat(400);
    const { advert } = decoded(ethernet(SWITCH_MAC, ...mandatory, systemName(long), portDescription('eth1\u0000'), tlv(6, [0x41, 0xff, 0x42]), END));
    expect(advert.system_name).toHaveLength(MAX_STRING_LENGTH);
    expect(advert.port_description).toBe('eth1');
    expect(advert.system_description).toBe('A\ufffdB');
  });

  it('IDs by subtype: network addresses as text, binary ones in hex', () => {
    const pdu = Uint8Array.from([...tlv(1, [5, 2], [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a]), ...tlv(2, [6], [0x01, 0xab]), ...ttl(30), ...END]);
    const result = decodeLldpdu(pdu);
    if (!result.ok) throw new Error(result.reason);
    expect(result.advert.chassis_id).toBe('2001:db8:1::a');
    expect(result.advert.chassis_id_subtype).toBe('ip');
    expect(result.advert.port_id).toBe('01:ab');
    expect(result.advert.port_id_subtype).toBe('agent-circuit-id');
  });
});
