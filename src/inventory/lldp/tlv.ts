// Decodes one LLDP frame (IEEE 802.1AB) into what the inventory reports of a neighbour: the basic
// TLVs, the IEEE 802.1 organisationally specific ones (port VLAN ID, VLAN name, link aggregation)
// and the IEEE 802.3 ones (link aggregation, maximum frame size). Every length is checked against
// the bytes actually there before it is used; a frame that cannot be read as a whole is refused
// with a reason, an optional TLV that is wrong is left out with a warning.
import type { LldpIdSubtype, LldpLinkAggregation, LldpNeighbor, LldpVlan } from '../extensions.js';
import { MAX_MANAGEMENT_ADDRESSES, MAX_STRING_LENGTH, MAX_TLVS_PER_FRAME, MAX_VLANS } from './limits.js';

/** A neighbour as one frame describes it; the receiver adds when it saw it and how. */
export type LldpAdvert = Omit<LldpNeighbor, 'seen_at' | 'source'>;

export type DecodeResult =
  | { ok: true; advert: LldpAdvert; warnings: string[] }
  | { ok: false; reason: string };

export const LLDP_ETHERTYPE = 0x88cc;
const VLAN_TAG_ETHERTYPE = 0x8100;
const ETHERNET_HEADER_BYTES = 14;

const TLV_END = 0;
const TLV_CHASSIS_ID = 1;
const TLV_PORT_ID = 2;
const TLV_TTL = 3;
const TLV_PORT_DESCRIPTION = 4;
const TLV_SYSTEM_NAME = 5;
const TLV_SYSTEM_DESCRIPTION = 6;
const TLV_MANAGEMENT_ADDRESS = 8;
const TLV_ORGANIZATION_SPECIFIC = 127;

const OUI_IEEE_8021 = 0x0080c2;
const OUI_IEEE_8023 = 0x00120f;

// IANA address family numbers, as the chassis ID, port ID and management address TLVs use them.
const FAMILY_IPV4 = 1;
const FAMILY_IPV6 = 2;

const CHASSIS_SUBTYPES: Record<number, LldpIdSubtype> = {
  1: 'chassis-component',
  2: 'interface-alias',
  3: 'port-component',
  4: 'mac',
  5: 'ip',
  6: 'ifname',
  7: 'local',
};

const PORT_SUBTYPES: Record<number, LldpIdSubtype> = {
  1: 'interface-alias',
  2: 'port-component',
  3: 'mac',
  4: 'ip',
  5: 'ifname',
  6: 'agent-circuit-id',
  7: 'local',
};

const MANDATORY = ['chassis ID', 'port ID', 'time to live'];

/** An Ethernet frame as captured (destination MAC first): the LLDPDU after its header, decoded. */
export function decodeLldpFrame(frame: Uint8Array): DecodeResult {
  if (frame.length < ETHERNET_HEADER_BYTES) return { ok: false, reason: `frame of ${frame.length} bytes is shorter than an Ethernet header` };
  let etherType = readUint16(frame, 12);
  let payloadStart = ETHERNET_HEADER_BYTES;
  // A switch may send LLDP on a tagged VLAN; the tag sits between the source MAC and the EtherType.
  if (etherType === VLAN_TAG_ETHERTYPE && frame.length >= ETHERNET_HEADER_BYTES + 4) {
    etherType = readUint16(frame, 16);
    payloadStart += 4;
  }
  if (etherType !== LLDP_ETHERTYPE) return { ok: false, reason: `EtherType 0x${etherType.toString(16).padStart(4, '0')} is not LLDP` };
  return decodeLldpdu(frame.subarray(payloadStart));
}

/** The TLVs of one LLDPDU (the frame's payload). */
export function decodeLldpdu(pdu: Uint8Array): DecodeResult {
  const advert: LldpAdvert = {
    chassis_id: '',
    chassis_id_subtype: 'unknown',
    port_id: '',
    port_id_subtype: 'unknown',
    port_description: '',
    system_name: '',
    system_description: '',
    management_addresses: [],
    vlans: [],
    ttl_seconds: 0,
  };
  const warnings: string[] = [];
  let offset = 0;
  let count = 0;
  while (offset < pdu.length) {
    if (pdu.length - offset < 2) return { ok: false, reason: `odd length: 1 byte left after TLV ${count}, where a 2-byte TLV header must be` };
    const header = readUint16(pdu, offset);
    const type = header >> 9;
    const length = header & 0x1ff;
    offset += 2;
    if (offset + length > pdu.length) {
      return { ok: false, reason: `truncated: TLV ${count + 1} (type ${type}) claims ${length} bytes, ${pdu.length - offset} are left` };
    }
    const value = pdu.subarray(offset, offset + length);
    offset += length;
    count++;
    if (count > MAX_TLVS_PER_FRAME) return { ok: false, reason: `more than ${MAX_TLVS_PER_FRAME} TLVs` };
    if (count <= MANDATORY.length && type !== count) {
      return { ok: false, reason: `TLV ${count} is type ${type}; the ${MANDATORY[count - 1]} TLV must come ${['first', 'second', 'third'][count - 1]}` };
    }
    if (type === TLV_END) {
      if (length !== 0) return { ok: false, reason: `end TLV with length ${length}` };
      break;
    }
    const problem = applyTlv(advert, type, value);
    if (problem === undefined) continue;
    // The three mandatory TLVs make the neighbour; without them there is nothing to report.
    if (type <= TLV_TTL) return { ok: false, reason: problem };
    warnings.push(problem);
  }
  if (count < MANDATORY.length) return { ok: false, reason: `truncated: ${count} TLVs, the chassis ID, port ID and time to live TLVs are mandatory` };
  return { ok: true, advert, warnings };
}

/** Stores one TLV's value in the advert; returns what is wrong with it, if anything. */
function applyTlv(advert: LldpAdvert, type: number, value: Uint8Array): string | undefined {
  switch (type) {
    case TLV_CHASSIS_ID:
    case TLV_PORT_ID: {
      const name = type === TLV_CHASSIS_ID ? 'chassis ID' : 'port ID';
      if (value.length < 2 || value.length > 256) return `${name} TLV of ${value.length} bytes (2 to 256 allowed)`;
      const subtypeCode = value[0] as number;
      const subtype = (type === TLV_CHASSIS_ID ? CHASSIS_SUBTYPES : PORT_SUBTYPES)[subtypeCode] ?? 'unknown';
      const id = decodeId(subtype, value.subarray(1));
      if (type === TLV_CHASSIS_ID) {
        advert.chassis_id = id;
        advert.chassis_id_subtype = subtype;
      } else {
        advert.port_id = id;
        advert.port_id_subtype = subtype;
      }
      return undefined;
    }
    case TLV_TTL:
      if (value.length !== 2) return `time to live TLV of ${value.length} bytes (2 required)`;
      advert.ttl_seconds = readUint16(value, 0);
      return undefined;
    case TLV_PORT_DESCRIPTION:
      advert.port_description = decodeString(value);
      return undefined;
    case TLV_SYSTEM_NAME:
      advert.system_name = decodeString(value);
      return undefined;
    case TLV_SYSTEM_DESCRIPTION:
      advert.system_description = decodeString(value);
      return undefined;
    case TLV_MANAGEMENT_ADDRESS:
      return applyManagementAddress(advert, value);
    case TLV_ORGANIZATION_SPECIFIC:
      return applyOrganizationSpecific(advert, value);
    default:
      // System capabilities, LLDP-MED and reserved types: not part of what the inventory reports.
      return undefined;
  }
}

/**
 * Management address: string length (subtype + address), address subtype, address, interface
 * numbering subtype, interface number, OID length, OID. Only IP addresses are reported.
 */
function applyManagementAddress(advert: LldpAdvert, value: Uint8Array): string | undefined {
  const addressLength = value[0];
  if (addressLength === undefined || addressLength < 2 || addressLength > 32 || value.length < 1 + addressLength + 6) {
    return `management address TLV of ${value.length} bytes with an address of ${addressLength ?? 0}`;
  }
  const oidLength = value[1 + addressLength + 5] as number;
  if (value.length !== 1 + addressLength + 6 + oidLength) return `management address TLV of ${value.length} bytes does not match its contents`;
  const address = decodeAddress(value.subarray(1, 1 + addressLength));
  if (address === undefined) return undefined;
  if (advert.management_addresses.length >= MAX_MANAGEMENT_ADDRESSES) return `more than ${MAX_MANAGEMENT_ADDRESSES} management addresses`;
  if (!advert.management_addresses.includes(address)) advert.management_addresses.push(address);
  return undefined;
}

function applyOrganizationSpecific(advert: LldpAdvert, value: Uint8Array): string | undefined {
  if (value.length < 4) return `organizationally specific TLV of ${value.length} bytes`;
  const oui = (value[0] as number) << 16 | (value[1] as number) << 8 | (value[2] as number);
  const subtype = value[3] as number;
  const body = value.subarray(4);
  if (oui === OUI_IEEE_8021) {
    if (subtype === 1) {
      if (body.length !== 2) return `802.1 port VLAN ID TLV of ${value.length} bytes`;
      const pvid = readUint16(body, 0);
      // 0: the port does not support or know its port VLAN.
      if (pvid === 0) delete advert.native_vlan;
      else advert.native_vlan = pvid;
      return undefined;
    }
    if (subtype === 3) return applyVlanName(advert, body);
    if (subtype === 7) return applyLinkAggregation(advert, body, '802.1');
  } else if (oui === OUI_IEEE_8023) {
    if (subtype === 3) return applyLinkAggregation(advert, body, '802.3');
    if (subtype === 4) {
      if (body.length !== 2) return `802.3 maximum frame size TLV of ${value.length} bytes`;
      advert.max_frame_size = readUint16(body, 0);
      return undefined;
    }
  }
  return undefined;
}

/** VLAN name: VLAN ID, name length (at most 32), name. */
function applyVlanName(advert: LldpAdvert, body: Uint8Array): string | undefined {
  const nameLength = body[2];
  if (body.length < 3 || nameLength === undefined || nameLength > 32 || body.length !== 3 + nameLength) {
    return `802.1 VLAN name TLV of ${body.length + 4} bytes`;
  }
  const vlan: LldpVlan = { id: readUint16(body, 0) & 0x0fff, name: decodeString(body.subarray(3)) };
  const same = advert.vlans.findIndex((known) => known.id === vlan.id);
  if (same >= 0) advert.vlans[same] = vlan;
  else if (advert.vlans.length >= MAX_VLANS) return `more than ${MAX_VLANS} VLAN names`;
  else advert.vlans.push(vlan);
  return undefined;
}

/** Link aggregation (802.1 subtype 7, and 802.3 subtype 3 before it): status bits and the aggregated port ID. */
function applyLinkAggregation(advert: LldpAdvert, body: Uint8Array, standard: string): string | undefined {
  if (body.length !== 5) return `${standard} link aggregation TLV of ${body.length + 4} bytes`;
  const status = body[0] as number;
  const aggregation: LldpLinkAggregation = {
    capable: (status & 0x01) !== 0,
    enabled: (status & 0x02) !== 0,
    port_id: readUint32(body, 1),
  };
  advert.link_aggregation = aggregation;
  return undefined;
}

function decodeId(subtype: LldpIdSubtype, bytes: Uint8Array): string {
  switch (subtype) {
    case 'mac':
      return hex(bytes);
    case 'ip':
      return decodeAddress(bytes) ?? hex(bytes);
    case 'agent-circuit-id':
    case 'unknown':
      return hex(bytes);
    default:
      return decodeString(bytes);
  }
}

/** An IANA-family-prefixed address as text; undefined for families other than IPv4 and IPv6. */
function decodeAddress(bytes: Uint8Array): string | undefined {
  const family = bytes[0];
  const address = bytes.subarray(1);
  if (family === FAMILY_IPV4 && address.length === 4) return Array.from(address).join('.');
  if (family === FAMILY_IPV6 && address.length === 16) return formatIpv6(address);
  return undefined;
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of two or more zero groups as "::". */
function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(readUint16(bytes, i));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const text = groups.map((group) => group.toString(16));
  if (bestStart < 0) return text.join(':');
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLength).join(':')}`;
}

const utf8 = new TextDecoder('utf-8');

/** Text as sent, without the NUL terminators some firmware adds, cut to MAX_STRING_LENGTH characters. */
function decodeString(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const text = utf8.decode(bytes.subarray(0, end));
  return text.length > MAX_STRING_LENGTH ? text.slice(0, MAX_STRING_LENGTH) : text;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

function readUint16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (((bytes[offset] as number) << 24) >>> 0) + (((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number));
}
