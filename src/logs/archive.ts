/**
 * The bundle's size cap and its tar.gz. The cap applies to what was collected, before compression,
 * so the result does not depend on how well the logs compress; the service has a cap of its own on
 * the archive (413 above it).
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CommandRunner } from '../host/command-runner.js';

export const DEFAULT_MAX_SIZE = 200 * 1024 * 1024;
/** Room kept for report.logs, which is written after the cap. */
const REPORT_RESERVE = 64 * 1024;
const TAR_TIMEOUT_MS = 30 * 60_000;

export interface Truncation {
  name: string;
  size: number;
  keptBytes: number;
}

/**
 * The largest size every file may keep so that the total fits `budget`: small files stay whole and
 * the large ones share what is left equally (water-filling), so one huge log cannot crowd out the rest.
 */
export function truncationLevel(sizes: readonly number[], budget: number): number | undefined {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total <= budget) return undefined;
  const sorted = [...sizes].sort((a, b) => a - b);
  let remaining = Math.max(0, budget);
  for (let i = 0; i < sorted.length; i++) {
    const share = Math.floor(remaining / (sorted.length - i));
    if ((sorted[i] as number) > share) return share;
    remaining -= sorted[i] as number;
  }
  return undefined;
}

/** Truncates the largest files of `dir` until all of it fits `maxBytes`; returns what was cut. */
export async function capDirectory(dir: string, maxBytes: number): Promise<Truncation[]> {
  const files: { name: string; size: number }[] = [];
  for (const name of (await fs.readdir(dir)).sort()) {
    const stat = await fs.stat(path.join(dir, name));
    if (stat.isFile()) files.push({ name, size: stat.size });
  }
  const level = truncationLevel(files.map((f) => f.size), maxBytes - REPORT_RESERVE);
  if (level === undefined) return [];
  const cut: Truncation[] = [];
  for (const file of files) {
    if (file.size <= level) continue;
    await keepTail(path.join(dir, file.name), file.size, level);
    cut.push({ name: file.name, size: file.size, keptBytes: level });
  }
  return cut;
}

/** The end of a log is its most recent part, the one that explains the state being debugged. */
async function keepTail(file: string, size: number, keep: number): Promise<void> {
  const tmp = `${file}.truncating`;
  if (keep > 0) await pipeline(createReadStream(file, { start: size - keep }), createWriteStream(tmp));
  else await fs.writeFile(tmp, '');
  await fs.rename(tmp, file);
}

export function describeTruncations(cut: readonly Truncation[], maxBytes: number): string[] {
  return cut.map((t) => `${t.name}: truncated from ${t.size} to its last ${t.keptBytes} bytes (bundle size cap ${maxBytes} bytes)`);
}

/** report.logs: every problem met while collecting, or a line saying there was none. */
export async function writeReport(dir: string, notes: readonly string[]): Promise<string> {
  const text = notes.length === 0 ? 'no errors\n' : `${notes.join('\n')}\n`;
  await fs.writeFile(path.join(dir, 'report.logs'), text);
  return text;
}

/**
 * `tar -czf` rather than an in-process gzip: the archive goes straight to disk outside this
 * process, and the upload then streams that file.
 */
export async function createArchive(run: CommandRunner, bundleDir: string, archive: string, signal?: AbortSignal): Promise<void> {
  const result = await run('tar', ['-czf', archive, '-C', path.dirname(bundleDir), path.basename(bundleDir)], {
    timeoutMs: TAR_TIMEOUT_MS,
    signal,
    maxOutputBytes: 64 * 1024,
  });
  if (result.exitCode !== 0) {
    throw new Error(`tar -czf ${archive}: exit code ${result.exitCode}: ${result.stderr.trim()}`);
  }
}
