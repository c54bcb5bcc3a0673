// Reads the pcap stream `tcpdump -w -` writes: a 24-byte file header, then per packet a 16-byte
// record header and the captured bytes. Chunks arrive as the pipe delivers them, cut anywhere.
import { MAX_PCAP_RECORD_BYTES, MAX_PENDING_CAPTURE_BYTES } from './limits.js';

export interface PcapRecord {
  /** When the kernel received the frame, in milliseconds since the epoch. */
  timestampMs: number;
  /** The captured bytes (at most the snap length). */
  data: Buffer;
  /** The frame's length on the wire; more than data.length when the snap length cut it. */
  originalLength: number;
}

/** The stream is not a pcap stream we can follow; the capture must be restarted. */
export class PcapStreamError extends Error {}

const FILE_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const LINKTYPE_ETHERNET = 1;
const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const MAGIC_NANOSECONDS = 0xa1b23c4d;

export class PcapStreamParser {
  private pending: Buffer = Buffer.alloc(0);
  private littleEndian = true;
  private fractionPerMs = 1000;
  private headerRead = false;

  /** The complete records in what has arrived so far; a partial record waits for the next chunk. */
  push(chunk: Buffer): PcapRecord[] {
    if (this.pending.length + chunk.length > MAX_PENDING_CAPTURE_BYTES) {
      throw new PcapStreamError(`more than ${MAX_PENDING_CAPTURE_BYTES} bytes of capture output without a complete record`);
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const records: PcapRecord[] = [];
    let offset = 0;
    if (!this.headerRead) {
      if (this.pending.length < FILE_HEADER_BYTES) return records;
      this.readFileHeader(this.pending);
      offset = FILE_HEADER_BYTES;
    }
    while (this.pending.length - offset >= RECORD_HEADER_BYTES) {
      const seconds = this.uint32(this.pending, offset);
      const fraction = this.uint32(this.pending, offset + 4);
      const capturedLength = this.uint32(this.pending, offset + 8);
      const originalLength = this.uint32(this.pending, offset + 12);
      if (capturedLength > MAX_PCAP_RECORD_BYTES) throw new PcapStreamError(`pcap record of ${capturedLength} bytes`);
      const end = offset + RECORD_HEADER_BYTES + capturedLength;
      if (end > this.pending.length) break;
      records.push({
        timestampMs: seconds * 1000 + Math.floor(fraction / this.fractionPerMs),
        // A copy: the pending buffer is reused, and a record may be kept for minutes.
        data: Buffer.from(this.pending.subarray(offset + RECORD_HEADER_BYTES, end)),
        originalLength,
      });
      offset = end;
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : Buffer.from(this.pending.subarray(offset));
    return records;
  }

  private readFileHeader(bytes: Buffer): void {
    const magicLe = bytes.readUInt32LE(0);
    const magicBe = bytes.readUInt32BE(0);
    if (magicLe === MAGIC_MICROSECONDS || magicLe === MAGIC_NANOSECONDS) this.littleEndian = true;
    else if (magicBe === MAGIC_MICROSECONDS || magicBe === MAGIC_NANOSECONDS) this.littleEndian = false;
    else throw new PcapStreamError(`not a pcap stream (magic 0x${magicBe.toString(16)})`);
    const magic = this.littleEndian ? magicLe : magicBe;
    this.fractionPerMs = magic === MAGIC_NANOSECONDS ? 1_000_000 : 1000;
    const linkType = this.uint32(bytes, 20) & 0xffff;
    if (linkType !== LINKTYPE_ETHERNET) throw new PcapStreamError(`link type ${linkType} is not Ethernet`);
    this.headerRead = true;
  }

  private uint32(bytes: Buffer, offset: number): number {
    return this.littleEndian ? bytes.readUInt32LE(offset) : bytes.readUInt32BE(offset);
  }
}
