import type { CollectorContext } from './context.js';

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
}

/**
 * The host's mount table. /proc/1/mounts is init's view, which is the host's even from a container
 * sharing the host's PID namespace; /proc/self/mounts and /etc/mtab (upstream mounts a copy of
 * the host's there) are the fallbacks.
 */
export function hostMounts(ctx: CollectorContext): Promise<MountEntry[]> {
  return ctx.shared('mounts', async () => {
    for (const file of ['/proc/1/mounts', '/proc/self/mounts', '/etc/mtab']) {
      const text = await ctx.hostFs.readText(file);
      if (text !== undefined) return parseMounts(text);
    }
    ctx.log.warn('mounts: no readable mount table; mounted partitions cannot be detected');
    return [];
  });
}

export function parseMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, target, fstype] = line.trim().split(/\s+/);
    if (source === undefined || target === undefined || fstype === undefined) continue;
    entries.push({ source: unescapeOctal(source), target: unescapeOctal(target), fstype });
  }
  return entries;
}

/** The kernel writes space, tab, newline and backslash in mount fields as \\ooo. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
