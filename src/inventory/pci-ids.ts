import { HostFs } from '../host/host-fs.js';
import type { CollectorContext } from './context.js';

/** Where distributions install the PCI ID database: hwdata (RHEL, Fedora), pciutils (Debian). */
const PCI_IDS_PATHS = ['/usr/share/hwdata/pci.ids', '/usr/share/misc/pci.ids'];

export interface PciNames {
  vendor?: string;
  device?: string;
}

/**
 * Vendor and device names from pci.ids. The database (about 1.5 MB) is loaded only when a
 * lookup is needed, kept as bytes, and searched for the few lines asked for instead of parsed whole.
 */
export class PciIdsDatabase {
  private loaded: Promise<Buffer | undefined> | undefined;

  constructor(private readonly ctx: CollectorContext) {}

  /** Names for a vendor and device ID (lower-case hex); undefined when there is no database at all. */
  async lookup(vendorId: string, deviceId: string): Promise<PciNames | undefined> {
    this.loaded ??= this.load();
    const db = await this.loaded;
    return db === undefined ? undefined : lookupPciNames(db, vendorId, deviceId);
  }

  /** The name of a class+subclass ("0200"), as lspci prints it; undefined without a database. */
  async className(classId: string): Promise<string | undefined> {
    this.loaded ??= this.load();
    const db = await this.loaded;
    return db === undefined ? undefined : lookupPciClassName(db, classId);
  }

  private async load(): Promise<Buffer | undefined> {
    for (const file of PCI_IDS_PATHS) {
      const bytes = await this.ctx.hostFs.readBytes(file);
      if (bytes !== undefined) return bytes;
    }
    // In a container the host may lack hwdata while the agent's own image has it.
    if (this.ctx.live && this.ctx.hostFs.root !== '/') {
      const own = new HostFs('/');
      for (const file of PCI_IDS_PATHS) {
        const bytes = await own.readBytes(file);
        if (bytes !== undefined) return bytes;
      }
    }
    this.ctx.log.warn(`pci.ids: no PCI ID database (${PCI_IDS_PATHS.join(', ')}); GPU and PCI device names stay empty`);
    return undefined;
  }
}

/** One database per collection, loaded at most once, for every collector that names PCI devices. */
export function sharedPciIds(ctx: CollectorContext): Promise<PciIdsDatabase> {
  return ctx.shared('pci.ids', async () => new PciIdsDatabase(ctx));
}

/**
 * pci.ids lists each vendor as "vvvv  Name" at the start of a line, followed by its devices as
 * "\tdddd  Name" (and subsystems as "\t\t…"), comments starting with "#".
 */
export function lookupPciNames(db: Buffer, vendorId: string, deviceId: string): PciNames {
  const names: PciNames = {};
  const vendorPrefix = `${vendorId.toLowerCase()}  `;
  const vendorLine = findLineStartingWith(db, vendorPrefix);
  if (vendorLine === undefined) return names;
  let lineStart = vendorLine;
  let lineEnd = endOfLine(db, lineStart);
  names.vendor = db.toString('utf8', lineStart + vendorPrefix.length, lineEnd).trim();
  const devicePrefix = `\t${deviceId.toLowerCase()}  `;
  for (lineStart = lineEnd + 1; lineStart < db.length; lineStart = lineEnd + 1) {
    lineEnd = endOfLine(db, lineStart);
    const first = db[lineStart];
    if (first !== 0x09 /* tab */ && first !== 0x23 /* # */ && lineEnd > lineStart) break;
    if (db.toString('latin1', lineStart, Math.min(lineEnd, lineStart + devicePrefix.length)) === devicePrefix) {
      names.device = db.toString('utf8', lineStart + devicePrefix.length, lineEnd).trim();
      break;
    }
  }
  return names;
}

function findLineStartingWith(db: Buffer, prefix: string): number | undefined {
  if (db.toString('latin1', 0, prefix.length) === prefix) return 0;
  const at = db.indexOf(`\n${prefix}`, 0, 'latin1');
  return at < 0 ? undefined : at + 1;
}

function endOfLine(db: Buffer, from: number): number {
  const end = db.indexOf(0x0a, from);
  return end < 0 ? db.length : end;
}

/**
 * The class section of pci.ids lists each class as "C cc  Name", followed by its subclasses as
 * "\tss  Name" (and programming interfaces as "\t\t…"). Like lspci, the subclass name when the
 * database has one, else the class's.
 */
export function lookupPciClassName(db: Buffer, classId: string): string | undefined {
  const id = classId.toLowerCase();
  const classPrefix = `C ${id.slice(0, 2)}  `;
  const classLine = findLineStartingWith(db, classPrefix);
  if (classLine === undefined) return undefined;
  let lineEnd = endOfLine(db, classLine);
  const className = db.toString('utf8', classLine + classPrefix.length, lineEnd).trim();
  const subclassPrefix = `\t${id.slice(2, 4)}  `;
  for (let lineStart = lineEnd + 1; lineStart < db.length; lineStart = lineEnd + 1) {
    lineEnd = endOfLine(db, lineStart);
    const first = db[lineStart];
    if (first !== 0x09 /* tab */ && first !== 0x23 /* # */ && lineEnd > lineStart) break;
    if (db.toString('latin1', lineStart, Math.min(lineEnd, lineStart + subclassPrefix.length)) === subclassPrefix) {
      return db.toString('utf8', lineStart + subclassPrefix.length, lineEnd).trim();
    }
  }
  return className;
}
