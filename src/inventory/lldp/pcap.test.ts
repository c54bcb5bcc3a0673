// pcap streams laid out as libpcap's file format says (a 24-byte header, 16-byte record headers),
// in both byte orders and with microsecond and nanosecond timestamps.
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_CAPTURE_BYTES } from './limits.js';
import { PcapStreamError, PcapStreamParser } from './pcap.js';

function u32(n: number, littleEndian: boolean): number[] {
  const b = Buffer.alloc(4);
  if (littleEndian) b.writeUInt32LE(n >>> 0);
  else b.writeUInt32BE(n >>> 0);
  return [...b];
}

function u16(n: number, littleEndian: boolean): number[] {
  return littleEndian ? [n & 0xff, n >> 8] : [n >> 8, n & 0xff];
}

function fileHeader(le: boolean, magic = 0xa1b2c3d4, linkType = 1): number[] {
  return [...u32(magic, le), ...u16(2, le), ...u16(4, le), ...u32(0, le), ...u32(0, le), ...u32(1600, le), ...u32(linkType, le)];
}

function record(le: boolean, seconds: number, fraction: number, data: number[], originalLength = data.length): number[] {
  return [...u32(seconds, le), ...u32(fraction, le), ...u32(data.length, le), ...u32(originalLength, le), ...data];
}

describe('PcapStreamParser', () => {
  const frameA = Array.from({ length: 60 }, (_, i) => i);
  const frameB = Array.from({ length: 90 }, (_, i) => 255 - i);

  it('reads records however the pipe cuts the stream (here: one byte at a time)', () => {
    const stream = Buffer.from([...fileHeader(true), ...record(true, 1_700_000_000, 250_000, frameA), ...record(true, 1_700_000_001, 5, frameB, 1514)]);
    const parser = new PcapStreamParser();
    const records = [];
    for (let i = 0; i < stream.length; i++) records.push(...parser.push(stream.subarray(i, i + 1)));
    expect(records).toHaveLength(2);
    expect(records[0]?.timestampMs).toBe(1_700_000_000_250);
    expect([...(records[0]?.data ?? [])]).toEqual(frameA);
    expect(records[1]?.originalLength).toBe(1514);
    expect([...(records[1]?.data ?? [])]).toEqual(frameB);
  });

  it('reads big-endian streams with nanosecond timestamps', () => {
    const stream = Buffer.from([...fileHeader(false, 0xa1b23c4d), ...record(false, 10, 999_000_000, frameA)]);
    const records = new PcapStreamParser().push(stream);
    expect(records.map((r) => r.timestampMs)).toEqual([10_999]);
  });

  it('refuses what tcpdump does not write for an Ethernet NIC', () => {
    expect(() => new PcapStreamParser().push(Buffer.from(fileHeader(true, 0x12345678)))).toThrow(PcapStreamError);
    expect(() => new PcapStreamParser().push(Buffer.from(fileHeader(true, 0xa1b2c3d4, 113)))).toThrow(/link type 113 is not Ethernet/);
    const huge = Buffer.from([...fileHeader(true), ...u32(1, true), ...u32(0, true), ...u32(70_000, true), ...u32(70_000, true)]);
    expect(() => new PcapStreamParser().push(huge)).toThrow(/pcap record of 70000 bytes/);
  });

  it('holds at most MAX_PENDING_CAPTURE_BYTES waiting for a record', () => {
    const parser = new PcapStreamParser();
    parser.push(Buffer.from([...fileHeader(true), ...u32(1, true), ...u32(0, true), ...u32(65_000, true), ...u32(65_000, true)]));
    parser.push(Buffer.alloc(60_000));
    expect(() => parser.push(Buffer.alloc(MAX_PENDING_CAPTURE_BYTES))).toThrow(/without a complete record/);
  });
});
