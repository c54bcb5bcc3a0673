import { existsSync } from 'node:fs';
import type { CommandResult } from '../../host/command-runner.js';
import type { CollectorContext } from '../context.js';

/**
 * dmidecode reads the SMBIOS tables of the kernel it runs on, from sysfs or else /dev/mem. When
 * this process's own view has neither (a VM without SMBIOS), it can only fail, so it is not started.
 * A replayed host has no such view; its recording says what dmidecode did.
 */
export function dmidecodeCanWork(ctx: CollectorContext): boolean {
  return !ctx.live || existsSync('/sys/firmware/dmi/tables/DMI') || existsSync('/dev/mem');
}

const NO_TABLES: CommandResult = { stdout: '', stderr: 'no SMBIOS tables (/sys/firmware/dmi/tables/DMI) and no /dev/mem', exitCode: -1, timedOut: false };

/** `dmidecode -t <type>`, run at most once per collection whoever asks (memory size, memory modules). */
export function sharedDmidecode(ctx: CollectorContext, type: number): Promise<CommandResult> {
  return ctx.shared(`dmidecode -t ${type}`, async () => (dmidecodeCanWork(ctx) ? ctx.tools.run('dmidecode', ['-t', String(type)]) : NO_TABLES));
}

/** One DMI structure as dmidecode prints it: its title line and its "Key: value" lines. */
export interface DmiRecord {
  title: string;
  fields: Map<string, string>;
}

/**
 * dmidecode's text output: a "Handle 0x…, DMI type N, M bytes" line opens each structure, its
 * title follows, then one tab-indented "Key: value" per field; list values continue on lines
 * indented by two tabs (not needed here, skipped).
 */
export function parseDmidecode(text: string): DmiRecord[] {
  const records: DmiRecord[] = [];
  let current: DmiRecord | undefined;
  let wantTitle = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('Handle ')) {
      current = { title: '', fields: new Map() };
      records.push(current);
      wantTitle = true;
      continue;
    }
    if (!current) continue;
    if (wantTitle) {
      current.title = line.trim();
      wantTitle = false;
      continue;
    }
    const match = /^\t([^\t:][^:]*):\s*(.*?)\s*$/.exec(line);
    if (match) current.fields.set(match[1] as string, match[2] as string);
  }
  return records;
}

/** dmidecode's words for a value the firmware left out; reported as "". */
const PLACEHOLDERS = /^(Not Specified|Not Provided|Unknown|None|Not Available|To Be Filled By O\.E\.M\.|NO DIMM|Undefined|0+|\[Empty\])$/i;

export function dmiValue(record: DmiRecord, key: string): string {
  const value = record.fields.get(key)?.trim() ?? '';
  return PLACEHOLDERS.test(value) ? '' : value;
}
