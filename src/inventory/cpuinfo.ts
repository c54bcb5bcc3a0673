import type { CollectorContext } from './context.js';
import type { Cpu } from './model.js';

/** Node's names for the architectures upstream builds for, as `uname -m` spells them. */
const UNAME_MACHINE: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', s390x: 's390x', ppc64: 'ppc64le' };

/**
 * The cpu section without lscpu (a minimal container image): count, model and flags from
 * /proc/cpuinfo, the architecture from /proc/sys/kernel/arch, the frequency from the highest of
 * cpuinfo's "cpu MHz" and cpufreq's maximum.
 */
export async function cpuFromProcCpuinfo(ctx: CollectorContext): Promise<Cpu> {
  const [cpuinfo, arch, maxKHz] = await Promise.all([
    ctx.hostFs.readText('/proc/cpuinfo'),
    ctx.hostFs.readTrimmed('/proc/sys/kernel/arch'),
    ctx.hostFs.readTrimmed('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq'),
  ]);
  const cpu: Cpu = { architecture: '', count: 0, flags: null, frequency: 0, model_name: '' };
  if (cpuinfo === undefined) {
    ctx.log.warn('cpu: /proc/cpuinfo is unreadable; the cpu section stays empty');
    return cpu;
  }
  const parsed = parseCpuinfo(cpuinfo);
  cpu.architecture = arch || (ctx.live ? (UNAME_MACHINE[process.arch] ?? process.arch) : '');
  cpu.count = parsed.processors;
  cpu.model_name = parsed.modelName;
  cpu.flags = parsed.flags;
  const maxMHz = Number.parseInt(maxKHz ?? '', 10) / 1000;
  cpu.frequency = Math.max(parsed.mhz, Number.isFinite(maxMHz) ? maxMHz : 0);
  return cpu;
}

export interface CpuinfoSummary {
  processors: number;
  modelName: string;
  flags: string[] | null;
  mhz: number;
}

/** The first processor's model and flags ("Features" on Arm), the processor count and the highest "cpu MHz". */
export function parseCpuinfo(text: string): CpuinfoSummary {
  const summary: CpuinfoSummary = { processors: 0, modelName: '', flags: null, mhz: 0 };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') summary.processors++;
    else if (key === 'model name' && !summary.modelName) summary.modelName = value;
    else if ((key === 'flags' || key === 'features') && summary.flags === null) summary.flags = value.split(/\s+/).filter(Boolean);
    else if (key === 'cpu mhz') summary.mhz = Math.max(summary.mhz, Number.parseFloat(value) || 0);
  }
  return summary;
}
