import type { CollectorContext } from './context.js';
import { sharedDmidecode } from './hardware/dmidecode.js';
import { describeFailure } from './host-tools.js';
import type { Memory } from './model.js';

/** dmidecode's size units; like upstream, 1024-based. */
const UNIT_POWER: Record<string, number> = { bytes: 0, kB: 1, MB: 2, GB: 3, TB: 4, EB: 6, ZB: 7 };
const MODULE_SIZE_RE = /^\s*Size:\s+(\d+)\s+(bytes|kB|MB|GB|TB|EB|ZB)\s*$/;

/** A dmidecode size value ("32 GB", "16384 MB") in bytes; undefined for "No Module Installed" and the like. */
export function dmiSizeBytes(value: string): number | undefined {
  const match = /^(\d+)\s+(bytes|kB|MB|GB|TB|EB|ZB)$/.exec(value.trim());
  return match ? Number(match[1]) * 1024 ** (UNIT_POWER[match[2] as string] ?? 0) : undefined;
}

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

export async function collectMemory(ctx: CollectorContext): Promise<Memory> {
  const [dmidecode, meminfo] = await Promise.all([
    sharedDmidecode(ctx, 17),
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
