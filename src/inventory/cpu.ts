import type { CollectorContext } from './context.js';
import { cpuFromProcCpuinfo } from './cpuinfo.js';
import { describeFailure } from './host-tools.js';
import type { Cpu } from './model.js';

/** What upstream reports when lscpu gives nothing: every field zero, flags nil. */
export function emptyCpu(): Cpu {
  return { architecture: '', count: 0, flags: null, frequency: 0, model_name: '' };
}

/** The top-level `field: data` pairs of `lscpu -J`, with the trailing colon dropped. */
export function lscpuFields(json: string): Map<string, string> {
  const parsed = JSON.parse(json) as { lscpu?: unknown };
  if (!Array.isArray(parsed.lscpu)) throw new Error('lscpu -J output has no "lscpu" array');
  const fields = new Map<string, string>();
  for (const entry of parsed.lscpu as { field?: unknown; data?: unknown }[]) {
    if (typeof entry?.field !== 'string') continue;
    const name = entry.field.replace(/:$/, '');
    if (!fields.has(name)) fields.set(name, typeof entry.data === 'string' ? entry.data : '');
  }
  return fields;
}

/** Upstream's reading of lscpu: Machine type stands in for the model on s390x, frequency is the highest MHz figure. */
export function cpuFromLscpu(fields: Map<string, string>): Cpu {
  const cpu = emptyCpu();
  cpu.architecture = fields.get('Architecture') ?? '';
  cpu.model_name = fields.get('Model name') ?? fields.get('Machine type') ?? '';
  cpu.count = toInt(fields.get('CPU(s)'));
  cpu.frequency = Math.max(0, ...['CPU MHz', 'CPU max MHz', 'CPU static MHz'].map((name) => toFloat(fields.get(name))));
  const flags = fields.get('Flags');
  // lscpu pads some lists with runs of spaces: empty entries are not flags.
  if (flags !== undefined) cpu.flags = flags.split(' ').filter(Boolean);
  return cpu;
}

export async function collectCpu(ctx: CollectorContext): Promise<Cpu> {
  const result = await ctx.tools.run('lscpu', ['-J']);
  if (result.exitCode === 0) {
    try {
      return cpuFromLscpu(lscpuFields(result.stdout));
    } catch (err) {
      ctx.log.warn('cpu: cannot parse lscpu -J output, reading /proc/cpuinfo instead', { error: String(err) });
    }
  } else {
    ctx.log.warn('cpu: lscpu -J failed, reading /proc/cpuinfo instead', { error: describeFailure(result) });
  }
  return cpuFromProcCpuinfo(ctx);
}

function toInt(text: string | undefined): number {
  const n = Number.parseInt(text ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

function toFloat(text: string | undefined): number {
  const n = Number.parseFloat(text ?? '');
  return Number.isFinite(n) ? n : 0;
}
