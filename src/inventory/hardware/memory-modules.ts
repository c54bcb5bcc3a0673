import type { CollectorContext } from '../context.js';
import type { MemoryExtensions, MemoryModule } from '../extensions.js';
import { dmiSizeBytes } from '../memory.js';
import { dmiValue, parseDmidecode, sharedDmidecode, type DmiRecord } from './dmidecode.js';

/**
 * The DIMMs of `dmidecode -t 17` (the same run the memory size comes from): one entry per
 * populated slot, and the number of slots the firmware lists, populated or not. Absent when
 * dmidecode could not run, so "no modules" never stands for "not looked".
 */
export async function collectMemoryModules(ctx: CollectorContext): Promise<MemoryExtensions> {
  const result = await sharedDmidecode(ctx, 17);
  if (result.exitCode !== 0) return {};
  return memoryModulesFromDmidecode(result.stdout);
}

export function memoryModulesFromDmidecode(text: string): MemoryExtensions {
  const devices = parseDmidecode(text).filter((record) => record.title === 'Memory Device');
  const modules = devices.map(moduleOf).filter((m): m is MemoryModule => m !== undefined);
  return { modules, module_slots: devices.length };
}

function moduleOf(record: DmiRecord): MemoryModule | undefined {
  const size = dmiSizeBytes(record.fields.get('Size') ?? '');
  if (size === undefined || size === 0) return undefined;
  return {
    locator: dmiValue(record, 'Locator'),
    bank_locator: dmiValue(record, 'Bank Locator'),
    size_bytes: size,
    type: dmiValue(record, 'Type'),
    form_factor: dmiValue(record, 'Form Factor'),
    speed_mts: speed(dmiValue(record, 'Speed')),
    // dmidecode before 3.2 called it "Configured Clock Speed" (in MHz, the same figure for DDR).
    configured_speed_mts: speed(dmiValue(record, 'Configured Memory Speed') || dmiValue(record, 'Configured Clock Speed')),
    manufacturer: dmiValue(record, 'Manufacturer'),
    part_number: dmiValue(record, 'Part Number'),
    serial_number: dmiValue(record, 'Serial Number'),
  };
}

/** "3200 MT/s" (dmidecode ≥ 3.2) or "2666 MHz" (older, which printed the transfer rate as MHz). */
function speed(value: string): number {
  const match = /^(\d+)\s*(MT\/s|MHz)$/.exec(value);
  return match ? Number(match[1]) : 0;
}
