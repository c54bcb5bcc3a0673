// `inband free_addresses` inside a network namespace on a bridge with a few live hosts: median wall
// time of a /24 and of a /22 sweep (targets: /24 ≤ 1.5 s, /22 ≤ 3 s).
//
//   node bench/free-addresses.bench.mjs [runs]     (or: node bench/run.mjs free)
//
// The namespaces (prefix ib-bench-free) are made here and always deleted again, also when a run
// fails; the machine's own interfaces carry none of the traffic.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const runs = Number(process.argv[2] ?? process.env.BENCH_RUNS ?? 7);
const PREFIX = 'ib-bench-free';
const HOSTS = [
  ['agent', '198.18.4.10/22'],
  ['h1', '198.18.4.1/22'],
  ['h2', '198.18.5.20/22'],
  ['h3', '198.18.7.200/22'],
];
const TARGETS = [
  ['/24', '198.18.4.0/24', 1500, 254],
  ['/22', '198.18.4.0/22', 3000, 1020],
];

if (!existsSync(binary)) {
  console.error(`${path.relative(process.cwd(), binary)} is missing: build it first (node build/bundle.mjs)`);
  process.exit(1);
}

const ip = (...args) => execFileSync('ip', args, { timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function cleanup() {
  const names = ip('netns', 'list').split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`${PREFIX}-`));
  for (const name of names) {
    try {
      ip('netns', 'del', name);
    } catch {
      // already gone
    }
  }
}

function setup() {
  cleanup();
  const sw = `${PREFIX}-sw`;
  ip('netns', 'add', sw);
  ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', sw, 'link', 'set', 'br0', 'up');
  HOSTS.forEach(([name, address], i) => {
    const ns = `${PREFIX}-${name}`;
    ip('netns', 'add', ns);
    ip('-n', sw, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', sw, 'link', 'set', `p${i}`, 'master', 'br0', 'up');
    ip('-n', ns, 'addr', 'add', address, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  });
}

function timed(cidr) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('ip', ['netns', 'exec', `${PREFIX}-agent`, binary, 'free_addresses', JSON.stringify([cidr]), '--with-journal-logging=false'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`free_addresses ${cidr} exited ${code}: ${err.trim()}`));
      resolve({ ms, free: JSON.parse(out)[0].free_addresses.length });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

let failed = false;
try {
  setup();
  // One warm-up: the first start of the 99 MiB executable pays for the page cache.
  await timed(TARGETS[0][1]);
  for (const [label, cidr, targetMs, expectedFree] of TARGETS) {
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const { ms, free } = await timed(cidr);
      if (free !== expectedFree) throw new Error(`${label}: expected ${expectedFree} free addresses, got ${free}`);
      samples.push(ms);
    }
    const m = median(samples);
    const verdict = m <= targetMs ? 'ok' : 'OVER TARGET';
    if (m > targetMs) failed = true;
    console.log(`free_addresses ${label} (${cidr}, ${HOSTS.length} live hosts): median ${m.toFixed(0)} ms over ${runs} runs (min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)}); target ≤ ${targetMs} ms: ${verdict}`);
  }
} finally {
  cleanup();
}
if (failed) process.exitCode = 1;
