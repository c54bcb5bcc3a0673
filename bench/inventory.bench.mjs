// `inband inventory` on this machine: median wall time and median/peak RSS over several runs, next
// to `inband --version` so that the single executable's own start-up cost is visible separately.
//
//   node bench/inventory.bench.mjs [runs]        (make bench runs it through bench/run.mjs)
//
// Wall time: measured here, from spawn to exit, of the binary started directly (no wrapper).
// Peak RSS: the kernel's own figure, ru_maxrss from wait4(), which GNU time prints as %M (KiB); it
// is exact and also covers the tools the inventory starts (a child's maxrss includes its reaped
// descendants'). Those runs are separate from the timed ones so the wrapper never adds to the wall
// time. Without /usr/bin/time the fallback polls /proc/<pid>/status VmHWM (the process's own
// high-water mark) every millisecond; that can miss growth in the last millisecond before exit,
// so it is labelled approximate.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const runs = Number(process.argv[2] ?? process.env.BENCH_RUNS ?? 15);
const GNU_TIME = '/usr/bin/time';
const TARGET_WALL_MS = 150;
const TARGET_RSS_MB = 60;

if (!existsSync(binary)) {
  console.error(`${path.relative(process.cwd(), binary)} is missing: build it first (node build/bundle.mjs)`);
  process.exit(1);
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'inband-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** Runs the command to completion; resolves with its wall time in ms, rejects on a non-zero exit. */
function timed(file, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${[file, ...args].join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

/** Peak RSS in KiB through GNU time's %M, written to a file so the command's own stderr stays apart. */
async function peakRssExact(args) {
  const out = path.join(scratch, 'rss');
  await timed(GNU_TIME, ['-f', '%M', '-o', out, binary, ...args]);
  return Number(readFileSync(out, 'utf8').trim().split('\n').at(-1));
}

/** Peak RSS in KiB from the last VmHWM seen while polling the running process. */
function peakRssPolled(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: 'ignore' });
    let hwm = 0;
    const poll = setInterval(() => {
      try {
        const kib = Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        hwm = Math.max(hwm, kib);
      } catch {
        // gone already
      }
    }, 1);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code === 0) resolve(hwm);
      else reject(new Error(`${binary} ${args.join(' ')} exited ${code}`));
    });
  });
}

const exactRss = existsSync(GNU_TIME);
const peakRss = exactRss ? peakRssExact : peakRssPolled;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const cases = {
  '--version': ['--version'],
  inventory: ['inventory'],
};
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, { wall: [], rss: [] }]));

// A binary that postject has just written sits whole in the page cache in large folios, and every
// run then maps far more of it than it touches (about +13 MB of RSS here). A discovery host reads
// the binary from disk instead, so write it back and evict it from the cache once (GNU dd's
// nocache advice on this one file), and let the warm-up read back what a run really uses.
const fd = openSync(binary, 'r');
fsyncSync(fd);
closeSync(fd);
execFileSync('dd', [`if=${binary}`, 'iflag=nocache', 'count=0', 'status=none'], { timeout: 30_000 });

// One warm-up of each (page cache, first exec), then the cases interleaved so that drift in the
// machine's load affects them alike.
for (const args of Object.values(cases)) await timed(binary, args);
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    samples[name].wall.push(await timed(binary, args));
    samples[name].rss.push(await peakRss(args));
  }
}

const mb = (kib) => kib / 1024;
console.log(`dist/inband, ${runs} runs each, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}`);
console.log(`peak RSS: ${exactRss ? 'ru_maxrss via /usr/bin/time -f %M (exact)' : 'polled /proc/<pid>/status VmHWM (approximate)'}`);
for (const [name, { wall, rss }] of Object.entries(samples)) {
  console.log(
    `  inband ${name.padEnd(10)} wall median ${median(wall).toFixed(1).padStart(6)} ms (min ${Math.min(...wall).toFixed(1)}, max ${Math.max(...wall).toFixed(1)})` +
      `   RSS median ${mb(median(rss)).toFixed(1)} MB, peak ${mb(Math.max(...rss)).toFixed(1)} MB`,
  );
}
const inventory = samples.inventory;
const startup = samples['--version'];
console.log(
  `  inventory work beyond start-up: ${(median(inventory.wall) - median(startup.wall)).toFixed(1)} ms, ` +
    `${mb(median(inventory.rss) - median(startup.rss)).toFixed(1)} MB`,
);
const wallOk = median(inventory.wall) <= TARGET_WALL_MS;
const rssOk = mb(Math.max(...inventory.rss)) <= TARGET_RSS_MB;
console.log(`  targets: median wall <= ${TARGET_WALL_MS} ms ${wallOk ? 'met' : 'MISSED'}; peak RSS <= ${TARGET_RSS_MB} MB ${rssOk ? 'met' : 'MISSED'}`);
