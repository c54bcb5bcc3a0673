/**
 * The subsystem suites test the packaged single executable, not the TypeScript sources: a stale
 * dist/inband would test yesterday's agent, so it is rebuilt whenever anything that goes into it
 * is newer.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
/**
 * INBAND_BINARY runs the suite against another build (a release artefact, or a deliberately broken
 * agent to check that the suite notices); such a binary is used as it is, never rebuilt.
 */
const OVERRIDE = process.env.INBAND_BINARY;
export const BINARY = OVERRIDE ? path.resolve(OVERRIDE) : path.join(ROOT, 'dist', 'inband');

/** Everything the bundle is made from; package.json carries the version baked into the binary. */
const INPUTS = ['src', 'build/bundle.mjs', 'build/console.mjs', 'package.json', 'package-lock.json'];

async function newestMtime(file: string): Promise<number> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  const entries = await fs.readdir(file);
  const times = await Promise.all(entries.map((entry) => newestMtime(path.join(file, entry))));
  return Math.max(stat.mtimeMs, ...times);
}

export async function binaryIsStale(): Promise<boolean> {
  let built: number;
  try {
    built = (await fs.stat(BINARY)).mtimeMs;
  } catch {
    return true;
  }
  const inputs = await Promise.all(INPUTS.map((input) => newestMtime(path.join(ROOT, input))));
  return Math.max(...inputs) > built;
}

export async function ensureBinary(): Promise<void> {
  if (OVERRIDE) {
    await fs.access(BINARY);
    return;
  }
  if (!(await binaryIsStale())) return;
  const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'build', 'bundle.mjs')], {
    cwd: ROOT,
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  await fs.access(BINARY);
}

/**
 * A copy of the binary in `dir` that is not in the page cache. A binary just written (by postject,
 * or by a copy) sits there whole in large folios, and every process then maps far more of it than
 * it uses (about +13 MB of RSS here); a host that boots reads it from disk instead. The copy is one
 * no other process maps, so nothing pins its pages. Memory tests run this copy.
 */
export async function coldCopyOfBinary(dir: string): Promise<string> {
  const copy = path.join(dir, 'inband');
  await fs.copyFile(BINARY, copy);
  await fs.chmod(copy, 0o755);
  const handle = await fs.open(copy, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await run('dd', [`if=${copy}`, 'iflag=nocache', 'count=0', 'status=none'], { timeout: 30_000 });
  return copy;
}
