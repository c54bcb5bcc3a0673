/**
 * Seeded fuzzer (INBAND_FUZZ_SEED, INBAND_FUZZ_SCALE) of everything an LLDP neighbour's bytes
 * reach: the frame decoder, the pcap stream reader, the neighbour table and the lldpcli answer
 * reader. Frames are valid ones mutated (bytes flipped, cut, TLV lengths lied about, TLVs
 * repeated) and random ones. Whatever comes in: no exception other than the stream's own error,
 * every string and list within its cap, and a refusal always says why.
 */
import { describe, expect, it } from 'vitest';
import { fuzzSettings, mutate, nastyString, randomJson, randomText, SeededRandom } from '../../../test/support/fuzz/random.js';
import type { LldpNeighbor } from '../extensions.js';
import {
  MAX_MANAGEMENT_ADDRESSES,
  MAX_NEIGHBOURS_PER_NIC,
  MAX_PENDING_CAPTURE_BYTES,
  MAX_STRING_LENGTH,
  MAX_VLANS,
} from './limits.js';
import { parseLldpcliNeighbours } from './lldpcli.js';
import { NeighbourTable } from './neighbour-table.js';
import { PcapStreamError, PcapStreamParser } from './pcap.js';
import { decodeLldpFrame, type LldpAdvert } from './tlv.js';

const settings = fuzzSettings();
const SUBTYPES = new Set(['chassis-component', 'interface-alias', 'port-component', 'mac', 'ip', 'ifname', 'local', 'agent-circuit-id', 'unknown']);

function tlv(type: number, value: number[]): number[] {
  return [(type << 1) | ((value.length >> 8) & 1), value.length & 0xff, ...value];
}

function randomBytes(random: SeededRandom, length: number): number[] {
  return Array.from({ length }, () => random.int(0, 255));
}

/** Text bytes: mostly random characters (any code point, control ones included), sometimes a nasty string. */
function text(random: SeededRandom, max: number): number[] {
  const source = random.chance(0.2) ? nastyString(random).slice(0, max) : randomText(random, random.int(0, max));
  return [...Buffer.from(source, 'utf8')].slice(0, random.int(0, max));
}

/** A frame that starts well formed and has random optional TLVs, most of them plausible. */
function plausibleFrame(random: SeededRandom): number[] {
  const tlvs: number[][] = [
    tlv(1, [random.int(0, 9), ...randomBytes(random, random.int(0, 20))]),
    tlv(2, [random.int(0, 9), ...text(random, 40)]),
    tlv(3, randomBytes(random, random.chance(0.9) ? 2 : random.int(0, 4))),
  ];
  const extra = random.int(0, 30);
  for (let i = 0; i < extra; i++) {
    const kind = random.int(0, 9);
    if (kind <= 2) tlvs.push(tlv(4 + kind, text(random, 300)));
    else if (kind === 3) tlvs.push(tlv(8, [random.int(0, 40), random.int(0, 3), ...randomBytes(random, random.int(0, 30))]));
    else if (kind === 4) tlvs.push(tlv(127, [0x00, 0x80, 0xc2, random.int(0, 8), ...randomBytes(random, random.int(0, 40))]));
    else if (kind === 5) tlvs.push(tlv(127, [0x00, 0x12, 0x0f, random.int(0, 5), ...randomBytes(random, random.int(0, 8))]));
    else if (kind === 6) tlvs.push(tlv(127, [0x00, 0x80, 0xc2, 3, ...randomBytes(random, 2), 32, ...text(random, 40)]));
    else if (kind === 7) tlvs.push(tlv(random.int(0, 127), randomBytes(random, random.int(0, 40))));
    else tlvs.push(tlv(7, randomBytes(random, 4)));
  }
  if (random.chance(0.8)) tlvs.push([0, 0]);
  return [0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, ...randomBytes(random, 6), 0x88, 0xcc, ...tlvs.flat()];
}

function damage(random: SeededRandom, frame: number[]): number[] {
  const out = [...frame];
  const edits = random.int(0, 4);
  for (let i = 0; i < edits; i++) {
    const roll = random.next();
    if (roll < 0.3 && out.length > 0) out[random.int(0, out.length - 1)] = random.int(0, 255);
    else if (roll < 0.5) out.length = random.int(0, out.length);
    else if (roll < 0.7) out.splice(random.int(14, Math.max(14, out.length)), 0, ...randomBytes(random, random.int(1, 3)));
    else if (roll < 0.85 && out.length > 16) out[random.int(14, out.length - 1)] = 0xff;
    else out.push(...randomBytes(random, random.int(1, 5)));
  }
  return out;
}

/** Throws what is wrong (plain checks: expect() in a loop of thousands dominates the run). */
function checkAdvert(advert: LldpAdvert): void {
  const problems: string[] = [];
  for (const field of [advert.port_description, advert.system_name, advert.system_description]) if (field.length > MAX_STRING_LENGTH) problems.push('string over the cap');
  if (!SUBTYPES.has(advert.chassis_id_subtype) || !SUBTYPES.has(advert.port_id_subtype)) problems.push('unknown subtype name');
  if (advert.chassis_id.length > 3 * 256 || advert.port_id.length > 3 * 256) problems.push('ID over 256 bytes');
  if (!Number.isInteger(advert.ttl_seconds) || advert.ttl_seconds < 0 || advert.ttl_seconds > 65_535) problems.push(`TTL ${advert.ttl_seconds}`);
  if (advert.vlans.length > MAX_VLANS || advert.vlans.some((vlan) => vlan.name.length > 32 || vlan.id > 4095)) problems.push('VLANs over the caps');
  if (advert.management_addresses.length > MAX_MANAGEMENT_ADDRESSES) problems.push('management addresses over the cap');
  if (problems.length > 0) throw new Error(`${problems.join(', ')}: ${JSON.stringify(advert).slice(0, 500)}`);
}

describe('LLDP fuzzer', () => {
  it('frames: decoded within the caps or refused with a reason, never a throw', () => {
    const random = new SeededRandom(settings.seed).fork('lldp-frames');
    const iterations = Math.round(5_000 * settings.scale);
    let decoded = 0;
    const table = new NeighbourTable();
    for (let i = 0; i < iterations; i++) {
      const base = plausibleFrame(random);
      const frame = random.chance(0.1) ? randomBytes(random, random.int(0, 1600)) : random.chance(0.6) ? damage(random, base) : base;
      const result = decodeLldpFrame(Uint8Array.from(frame));
      if (result.ok) {
        decoded++;
        checkAdvert(result.advert);
        table.observe(`nic${i % 3}`, result.advert, 1_000_000 + i);
      } else if (result.reason.length === 0) {
        throw new Error('a refusal without a reason');
      }
    }
    // The generator must reach both outcomes, or it tests one path only.
    expect(decoded).toBeGreaterThan(iterations / 20);
    expect(decoded).toBeLessThan(iterations);
    for (const neighbours of table.snapshot(1_000_000 + iterations).values()) expect(neighbours.length).toBeLessThanOrEqual(MAX_NEIGHBOURS_PER_NIC);
  });

  it('pcap streams: records or a PcapStreamError, however cut or corrupted', () => {
    const random = new SeededRandom(settings.seed).fork('lldp-pcap');
    const iterations = Math.round(500 * settings.scale);
    let records = 0;
    let errors = 0;
    for (let i = 0; i < iterations; i++) {
      const header = Buffer.alloc(24);
      header.writeUInt32LE(random.chance(0.9) ? 0xa1b2c3d4 : random.int(0, 2 ** 32 - 1), 0);
      header.writeUInt32LE(random.chance(0.9) ? 1 : random.int(0, 300), 20);
      const parts: Buffer[] = [header];
      const count = random.int(0, 20);
      for (let r = 0; r < count; r++) {
        const data = Buffer.from(random.chance(0.8) ? plausibleFrame(random) : randomBytes(random, random.int(0, 200)));
        const recordHeader = Buffer.alloc(16);
        recordHeader.writeUInt32LE(random.int(0, 2 ** 31), 0);
        recordHeader.writeUInt32LE(random.int(0, 999_999), 4);
        recordHeader.writeUInt32LE(random.chance(0.95) ? data.length : random.int(0, 2 ** 32 - 1), 8);
        recordHeader.writeUInt32LE(data.length, 12);
        parts.push(recordHeader, data);
      }
      const stream = Buffer.concat(parts);
      const parser = new PcapStreamParser();
      try {
        for (let offset = 0; offset < stream.length; ) {
          const size = random.int(1, 400);
          for (const record of parser.push(stream.subarray(offset, offset + size))) {
            records++;
            if (record.data.length > MAX_PENDING_CAPTURE_BYTES) throw new Error(`a record of ${record.data.length} bytes`);
            const result = decodeLldpFrame(record.data);
            if (result.ok) checkAdvert(result.advert);
          }
          offset += size;
        }
      } catch (err) {
        if (!(err instanceof PcapStreamError)) throw err;
        errors++;
      }
    }
    expect(records).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
  });

  it('lldpcli answers of any shape: neighbours within the caps, never a throw', () => {
    const random = new SeededRandom(settings.seed).fork('lldp-lldpcli');
    const iterations = Math.round(2_000 * settings.scale);
    const good = {
      lldp: [
        {
          interface: Array.from({ length: 20 }, (_, i) => ({
            name: `eth${i % 2}`,
            via: 'LLDP',
            age: '0 day, 00:00:04',
            chassis: [{ id: [{ type: 'mac', value: '52:54:00:00:00:01' }], name: [{ value: 'sw' }], 'mgmt-ip': [{ value: '192.0.2.1' }] }],
            port: [{ id: [{ type: 'ifname', value: `swp${i}` }], ttl: [{ value: '120' }] }],
            vlan: [{ 'vlan-id': '100', pvid: true, value: 'v100' }],
          })),
        },
      ],
    };
    for (let i = 0; i < iterations; i++) {
      const document = random.chance(0.3) ? randomJson(random, 5) : mutate(random, good);
      const neighbours = parseLldpcliNeighbours(document, Date.now());
      for (const list of neighbours.values()) {
        if (list.length > MAX_NEIGHBOURS_PER_NIC) throw new Error(`${list.length} neighbours on one NIC`);
        for (const neighbour of list as LldpNeighbor[]) {
          if (neighbour.system_name.length > MAX_STRING_LENGTH) throw new Error('system name over the cap');
          if (Number.isNaN(Date.parse(neighbour.seen_at))) throw new Error(`seen_at ${neighbour.seen_at}`);
        }
      }
    }
  });
});
