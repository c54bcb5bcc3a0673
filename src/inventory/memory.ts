import { existsSync } from 'node:fs';
import type { CommandResult } from '../host/command-runner.js';
import type { CollectorContext } from './context.js';
import { describeFailure } from './host-tools.js';
import type { Memory } from './model.js';

/** dmidecode's size units; like upstream, 1024-based. */
const UNIT_POWER: Record<string, number> = { bytes: 0, kB: 1, MB: 2, GB: 3, TB: 4, EB: 6, ZB: 7 };
const MODULE_SIZE_RE = /^\s*Size:\s+(\d+)\s+(bytes|kB|MB|GB|TB|EB|ZB)\s*$/;

/** Sum of the installed module sizes in `dmidecode -t 17`; empty slots ("No Module Installed") do not match. */
export function sumDmidecodeMemory(text: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = MODULE_SIZE_RE.exec(line);
    if (match) total += Number(match[1]) * 1024 ** (UNIT_POWER[match[2] as string] ?? 0);
  }
  return total;
}

/** MemTotal of /proc/meminfo in bytes, or undefined. */
export function parseMemTotal(meminfo: string): number | undefined {
  const match = /^MemTotal:\s+(\d+)\s*(\w*)/m.exec(meminfo);
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === 'kb' ? 1024 : unit === 'mb' ? 1024 ** 2 : unit === 'gb' ? 1024 ** 3 : 1;
  return Number(match[1]) * factor;
}

/**
 * dmidecode reads the SMBIOS tables of the kernel it runs on, from sysfs or else /dev/mem. When
 * this process's own view has neither (a VM without SMBIOS), it can only fail, so it is not started.
 * A replayed host has no such view; its recording says what dmidecode did.
 */
function dmidecodeCanWork(ctx: CollectorContext): boolean {
  return !ctx.live || existsSync('/sys/firmware/dmi/tables/DMI') || existsSync('/dev/mem');
}

export async function collectMemory(ctx: CollectorContext): Promise<Memory> {
  const noTables: CommandResult = { stdout: '', stderr: 'no SMBIOS tables (/sys/firmware/dmi/tables/DMI) and no /dev/mem', exitCode: -1, timedOut: false };
  const [dmidecode, meminfo] = await Promise.all([
    dmidecodeCanWork(ctx) ? ctx.tools.run('dmidecode', ['-t', '17']) : noTables,
    ctx.hostFs.readText('/proc/meminfo'),
  ]);
  const usable = meminfo === undefined ? undefined : parseMemTotal(meminfo);
  if (usable === undefined) ctx.log.warn('memory: no MemTotal in /proc/meminfo');
  const memory: Memory = { physical_bytes: 0, physical_bytes_method: '', usable_bytes: usable ?? 0 };

  const fromDmi = dmidecode.exitCode === 0 ? sumDmidecodeMemory(dmidecode.stdout) : 0;
  if (fromDmi > 0) return { ...memory, physical_bytes: fromDmi, physical_bytes_method: 'dmidecode' };
  ctx.log.info('memory: no module sizes from dmidecode -t 17, counting online memory blocks', {
    error: dmidecode.exitCode === 0 ? 'no Size lines' : describeFailure(dmidecode),
  });

  const fromBlocks = await onlineMemoryBlockBytes(ctx);
  if (fromBlocks > 0) return { ...memory, physical_bytes: fromBlocks, physical_bytes_method: 'ghw' };
  if (usable !== undefined) return { ...memory, physical_bytes: usable, physical_bytes_method: 'meminfo' };
  return memory;
}

/**
 * Physical memory as the kernel's memory hotplug blocks see it: block_size_bytes (hex) times the
 * blocks whose state is "online". Any unreadable block makes the whole figure unusable (0), as
 * a partial sum would under-report.
 */
async function onlineMemoryBlockBytes(ctx: CollectorContext): Promise<number> {
  const dir = '/sys/devices/system/memory';
  const [blockSizeHex, entries] = await Promise.all([ctx.hostFs.readTrimmed(`${dir}/block_size_bytes`), ctx.hostFs.list(dir)]);
  const blockSize = Number.parseInt(blockSizeHex ?? '', 16);
  const blocks = entries.filter((name) => /^memory\d+$/.test(name));
  if (!Number.isFinite(blockSize) || blockSize <= 0 || blocks.length === 0) return 0;
  const states = await Promise.all(blocks.map((name) => ctx.hostFs.readTrimmed(`${dir}/${name}/state`)));
  if (states.some((state) => state === undefined)) return 0;
  return states.filter((state) => state === 'online').length * blockSize;
}
