import { HostFs } from '../host/host-fs.js';
import type { CollectorContext } from './context.js';

/** Where distributions install the PCI ID database: hwdata (RHEL, Fedora), pciutils (Debian). */
const PCI_IDS_PATHS = ['/usr/share/hwdata/pci.ids', '/usr/share/misc/pci.ids'];

export interface PciNames {
  vendor?: string;
  device?: string;
}

/** The IDs a collection wants names for: vendors, vendor+device pairs, classes (class+subclass, lower-case hex). */
export interface PciIdsWanted {
  vendors: Iterable<string>;
  /** vendor ID + device ID, e.g. "80861593" */
  devices: Iterable<string>;
  /** class + subclass, e.g. "0200" */
  classes: Iterable<string>;
}

/** The names found for what was wanted; what the database lacks is simply absent. */
export class PciIdsNames {
  readonly vendors = new Map<string, string>();
  readonly devices = new Map<string, string>();
  /** By class ("02") and by class+subclass ("0200"). */
  readonly classes = new Map<string, string>();

  lookup(vendorId: string, deviceId: string): PciNames {
    const names: PciNames = {};
    const vendor = this.vendors.get(vendorId.toLowerCase());
    if (vendor === undefined) return names;
    names.vendor = vendor;
    const device = this.devices.get(`${vendorId}${deviceId}`.toLowerCase());
    if (device !== undefined) names.device = device;
    return names;
  }

  /** The subclass name when the database has one, else the class's, as lspci prints it. */
  className(classId: string): string | undefined {
    const id = classId.toLowerCase();
    return this.classes.get(id) ?? this.classes.get(id.slice(0, 2));
  }
}

/**
 * Looks names up in pci.ids (about 1.4 MB) by reading it once, 64 KiB at a time, and keeping only
 * the lines asked for: the whole database is never held in memory, which on a small host is a
 * good part of the inventory's memory budget.
 */
export async function readPciIdsNames(ctx: CollectorContext, wanted: PciIdsWanted): Promise<PciIdsNames | undefined> {
  const sources = [ctx.hostFs];
  // In a container the host may lack hwdata while the agent's own image has it.
  if (ctx.live && ctx.hostFs.root !== '/') sources.push(new HostFs('/'));
  for (const hostFs of sources) {
    for (const file of PCI_IDS_PATHS) {
      const scanner = new PciIdsScanner(wanted);
      if (await hostFs.readChunks(file, (chunk) => scanner.feed(chunk))) return scanner.finish();
    }
  }
  ctx.log.warn(`pci.ids: no PCI ID database (${PCI_IDS_PATHS.join(', ')}); GPU and PCI device names stay empty`);
  return undefined;
}

/**
 * pci.ids lists each vendor as "vvvv  Name" at the start of a line, followed by its devices as
 * "\tdddd  Name" (and subsystems as "\t\t…"); its class section lists each class as "C cc  Name",
 * followed by its subclasses as "\tss  Name" (and programming interfaces as "\t\t…"). Comments
 * start with "#". Fed in chunks of any size: a line split between two is carried over.
 *
 * Outside a wanted vendor's or class's block the scan jumps to the next wanted "\nvvvv  " or
 * "\nC cc  " with a native search, so only those blocks are read line by line; lines are matched
 * on their bytes (IDs parsed as numbers) and only a wanted line's name is decoded. The 40,000
 * other lines cost neither JavaScript work nor garbage.
 */
export class PciIdsScanner {
  private readonly vendors: Set<number>;
  private readonly devices: Set<number>;
  private readonly classes: Set<number>;
  private readonly classPrefixes: Set<number>;
  private readonly names = new PciIdsNames();
  /** The vendor or class whose indented lines follow, when it is one that was asked for. */
  private block: { kind: 'vendor' | 'class'; id: number; hex: string } | undefined;
  private carry: Buffer = EMPTY;
  /** "\nvvvv  " and "\nC cc  ": where the lines asked for start, searched for natively. */
  private readonly patterns: Buffer[];
  /** Per wanted vendor, its wanted device lines' starts: "\n\tdddd  ". */
  private readonly devicePatterns = new Map<number, Buffer[]>();

  constructor(wanted: PciIdsWanted) {
    this.vendors = hexSet(wanted.vendors);
    this.devices = hexSet(wanted.devices);
    this.classes = hexSet(wanted.classes);
    this.classPrefixes = new Set([...this.classes].map((id) => id >> 8));
    this.patterns = [
      ...[...this.vendors].map((id) => Buffer.from(`\n${id.toString(16).padStart(4, '0')}  `, 'latin1')),
      ...[...this.classPrefixes].map((id) => Buffer.from(`\nC ${id.toString(16).padStart(2, '0')}  `, 'latin1')),
    ];
    for (const key of this.devices) {
      const vendor = Math.floor(key / 0x10000);
      const patterns = this.devicePatterns.get(vendor) ?? [];
      patterns.push(Buffer.from(`\n\t${(key % 0x10000).toString(16).padStart(4, '0')}  `, 'latin1'));
      this.devicePatterns.set(vendor, patterns);
    }
  }

  feed(chunk: Buffer): void {
    // The line carried over from the last chunk (at first, the file's first line) is finished first.
    const firstNewline = chunk.indexOf(0x0a);
    if (firstNewline < 0) {
      this.carry = Buffer.concat([this.carry, chunk]);
      return;
    }
    const line = this.carry.length === 0 ? chunk.subarray(0, firstNewline) : Buffer.concat([this.carry, chunk.subarray(0, firstNewline)]);
    this.line(line, 0, line.length);
    this.carry = EMPTY;
    const next = this.patterns.map(() => -1);
    // pos is always at a line's "\n"; outside a wanted block, jump to the next wanted line.
    for (let pos = firstNewline; pos < chunk.length; ) {
      if (!this.block) {
        let nearest = -1;
        this.patterns.forEach((pattern, i) => {
          if ((next[i] as number) < pos && next[i] !== -2) next[i] = chunk.indexOf(pattern, pos);
          if (next[i] === -1) next[i] = -2; // none left in this chunk
          const at = next[i] as number;
          if (at >= 0 && (nearest < 0 || at < nearest)) nearest = at;
        });
        if (nearest < 0) break;
        pos = nearest;
      }
      if (this.block?.kind === 'vendor') {
        pos = this.vendorBlock(chunk, pos, this.block.id);
        continue;
      }
      const end = chunk.indexOf(0x0a, pos + 1);
      if (end < 0) break;
      this.line(chunk, pos + 1, end);
      pos = end;
    }
    // Copied: the caller reuses the chunk's memory.
    const last = chunk.lastIndexOf(0x0a);
    if (last + 1 < chunk.length) this.carry = Buffer.from(chunk.subarray(last + 1));
  }

  /**
   * Inside a wanted vendor's block (thousands of lines for Intel), the wanted device lines are
   * found with native searches up to where the block ends: the next line that starts with a hex
   * digit or "C". Returns the "\n" to go on from, the chunk's end when the block runs past it.
   */
  private vendorBlock(chunk: Buffer, pos: number, vendor: number): number {
    let blockEnd = -1;
    for (const start of BLOCK_STARTS) {
      const at = chunk.indexOf(start, pos);
      if (at >= 0 && (blockEnd < 0 || at < blockEnd)) blockEnd = at;
    }
    const limit = blockEnd >= 0 ? blockEnd : chunk.lastIndexOf(0x0a);
    for (const pattern of this.devicePatterns.get(vendor) ?? []) {
      const at = chunk.indexOf(pattern, pos);
      if (at < 0 || at >= limit) continue;
      this.line(chunk, at + 1, chunk.indexOf(0x0a, at + 1));
    }
    if (blockEnd < 0) return chunk.length;
    this.block = undefined;
    return blockEnd;
  }

  finish(): PciIdsNames {
    if (this.carry.length > 0) this.line(this.carry, 0, this.carry.length);
    this.carry = EMPTY;
    return this.names;
  }

  private line(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    const first = buf[start];
    if (first === 0x23 /* # */) return;
    if (first === 0x09 /* tab */) {
      // Subsystems and programming interfaces (two tabs) are not looked up.
      if (!this.block || buf[start + 1] === 0x09) return;
      if (this.block.kind === 'vendor') {
        const device = hexAt(buf, start + 1, 4, end);
        if (device < 0 || !twoSpaces(buf, start + 5, end)) return;
        const key = this.block.id * 0x10000 + device;
        if (this.devices.has(key) && !this.names.devices.has(this.block.hex + buf.toString('latin1', start + 1, start + 5))) this.names.devices.set(this.block.hex + buf.toString('latin1', start + 1, start + 5).toLowerCase(), nameAt(buf, start + 7, end));
      } else {
        const subclass = hexAt(buf, start + 1, 2, end);
        if (subclass < 0 || !twoSpaces(buf, start + 3, end)) return;
        if (this.classes.has(this.block.id * 0x100 + subclass) && !this.names.classes.has(this.block.hex + buf.toString('latin1', start + 1, start + 3))) this.names.classes.set(this.block.hex + buf.toString('latin1', start + 1, start + 3).toLowerCase(), nameAt(buf, start + 5, end));
      }
      return;
    }
    // Only another vendor's ID or the class section ends a block (what the native search finds too).
    const hexDigit = (first as number) >= 0x30 && (first as number) <= 0x39 ? true : (first as number) >= 0x61 && (first as number) <= 0x66;
    if (first !== 0x43 /* C */ && !hexDigit) return;
    this.block = undefined;
    if (first === 0x43 /* C */ && buf[start + 1] === 0x20) {
      const id = hexAt(buf, start + 2, 2, end);
      if (id < 0 || !this.classPrefixes.has(id) || !twoSpaces(buf, start + 4, end)) return;
      const hex = buf.toString('latin1', start + 2, start + 4).toLowerCase();
      this.names.classes.set(hex, nameAt(buf, start + 6, end));
      this.block = { kind: 'class', id, hex };
      return;
    }
    const id = hexAt(buf, start, 4, end);
    if (id < 0 || !this.vendors.has(id) || !twoSpaces(buf, start + 4, end)) return;
    const hex = buf.toString('latin1', start, start + 4).toLowerCase();
    this.names.vendors.set(hex, nameAt(buf, start + 6, end));
    this.block = { kind: 'vendor', id, hex };
  }
}

const EMPTY = Buffer.alloc(0);
/** What a line that ends a vendor's block starts with: another vendor's ID, or the class section's "C". */
const BLOCK_STARTS = [...'0123456789abcdefC'].map((c) => Buffer.from(`\n${c}`, 'latin1'));

function hexSet(ids: Iterable<string>): Set<number> {
  const set = new Set<number>();
  for (const id of ids) if (/^[0-9a-f]+$/i.test(id)) set.add(Number.parseInt(id, 16));
  return set;
}

/** The number `digits` hex digits at `at` spell, or -1 (not hex, or past the line's end). */
function hexAt(buf: Buffer, at: number, digits: number, end: number): number {
  if (at + digits > end) return -1;
  let value = 0;
  for (let i = at; i < at + digits; i++) {
    const c = buf[i] as number;
    // pci.ids writes IDs in lower case; the native searches look for exactly that.
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function twoSpaces(buf: Buffer, at: number, end: number): boolean {
  return at + 2 <= end && buf[at] === 0x20 && buf[at + 1] === 0x20;
}

function nameAt(buf: Buffer, from: number, end: number): string {
  return buf.toString('utf8', from, end).trim();
}

/** One vendor and device looked up in a whole database held in memory (tests, small excerpts). */
export function lookupPciNames(db: Buffer, vendorId: string, deviceId: string): PciNames {
  const scanner = new PciIdsScanner({ vendors: [vendorId], devices: [vendorId + deviceId], classes: [] });
  scanner.feed(db);
  return scanner.finish().lookup(vendorId, deviceId);
}

/** One class+subclass name looked up in a whole database held in memory. */
export function lookupPciClassName(db: Buffer, classId: string): string | undefined {
  const scanner = new PciIdsScanner({ vendors: [], devices: [], classes: [classId] });
  scanner.feed(db);
  return scanner.finish().className(classId);
}
