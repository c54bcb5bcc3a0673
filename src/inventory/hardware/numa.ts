import type { CollectorContext } from '../context.js';
import type { Numa, NumaNode } from '../extensions.js';

const NODES = '/sys/devices/system/node';
/** Far more CPUs than any machine has; a cpulist claiming more is corrupt, not enumerated. */
const MAX_CPUS = 65_536;

/**
 * The NUMA nodes sysfs lists, in node-ID order. A kernel without NUMA support has no node
 * directory at all: then the section is absent, not a node 0 made up.
 */
export async function collectNuma(ctx: CollectorContext): Promise<Numa | undefined> {
  const ids = (await ctx.hostFs.list(NODES))
    .map((name) => /^node(\d+)$/.exec(name)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (ids.length === 0) return undefined;
  const nodes = await Promise.all(ids.map((id) => readNode(ctx, id)));
  return { nodes };
}

async function readNode(ctx: CollectorContext, id: number): Promise<NumaNode> {
  const dir = `${NODES}/node${id}`;
  const [cpulist, meminfo, distance] = await Promise.all([
    ctx.hostFs.readTrimmed(`${dir}/cpulist`),
    ctx.hostFs.readText(`${dir}/meminfo`),
    ctx.hostFs.readTrimmed(`${dir}/distance`),
  ]);
  return {
    id,
    cpus: parseCpuList(cpulist ?? ''),
    memory_bytes: nodeMemTotal(meminfo ?? ''),
    distances: (distance ?? '').split(/\s+/).filter((d) => /^\d+$/.test(d)).map(Number),
  };
}

/** A kernel CPU list ("0-3,8-11", "" for a CPU-less node) as CPU numbers; malformed parts skipped, at most MAX_CPUS. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.split(',')) {
    if (cpus.length >= MAX_CPUS) break;
    const match = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!match) continue;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last >= MAX_CPUS) continue;
    for (let cpu = first; cpu <= last && cpus.length < MAX_CPUS; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** "Node 0 MemTotal:  7825224 kB" of a node's meminfo, in bytes; 0 for a memory-less node. */
export function nodeMemTotal(meminfo: string): number {
  const match = /^Node\s+\d+\s+MemTotal:\s+(\d+)\s*kB/m.exec(meminfo);
  return match ? Number(match[1]) * 1024 : 0;
}
