// connectivity_check against 1 and against 10 namespaced hosts: the remote hosts are checked
// concurrently, so 10 should take about as long as 1 (target: at most 1.2x).
//
//   node bench/connectivity.bench.mjs [runs]     (make bench runs it through bench/run.mjs)
//
// The topology is built here with plain `ip` commands (a bridge in its own namespace, one veth per
// host), under the prefix ib-bench-conn, and deleted on exit, also after a failure.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const runs = Number(process.argv[2] ?? process.env.BENCH_RUNS ?? 3);
const PREFIX = 'ib-bench-conn';
const REMOTES = 10;
const TARGET_RATIO = 1.2;

if (!existsSync(binary)) {
  console.error(`${path.relative(process.cwd(), binary)} is missing: build it first (node build/bundle.mjs)`);
  process.exit(1);
}

const created = [];
const ip = (args) => run('ip', args, { timeout: 10_000 });

function cleanupSync() {
  for (const ns of created.splice(0)) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
}
process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

async function removeLeftovers() {
  const { stdout } = await ip(['netns', 'list']).catch(() => ({ stdout: '' }));
  for (const name of stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`${PREFIX}-`))) {
    await ip(['netns', 'del', name]).catch(() => undefined);
  }
}

async function addNamespace(name) {
  await ip(['netns', 'add', name]);
  created.push(name);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
}

const mac = (i) => `02:00:00:00:02:${i.toString(16).padStart(2, '0')}`;
const uuid = (i) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;

async function build() {
  const sw = `${PREFIX}-sw`;
  await addNamespace(sw);
  await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
  await ip(['-n', sw, 'link', 'set', 'br0', 'up']);
  // Host 0 runs the check; hosts 1..REMOTES are probed.
  for (let i = 0; i <= REMOTES; i++) {
    const ns = `${PREFIX}-h${i}`;
    await addNamespace(ns);
    await ip(['-n', sw, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await ip(['-n', sw, 'link', 'set', `p${i}`, 'master', 'br0', 'up']);
    await ip(['-n', ns, 'link', 'set', 'eth0', 'address', mac(i)]);
    await ip(['-n', ns, 'addr', 'add', `198.18.0.${10 + i}/24`, 'dev', 'eth0']);
    await ip(['-n', ns, 'addr', 'add', `2001:db8::${(10 + i).toString(16)}/64`, 'dev', 'eth0', 'nodad']);
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  }
}

function params(count) {
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    return { host_id: uuid(i), nics: [{ name: 'eth0', mac: mac(i), ip_addresses: [`198.18.0.${10 + i}`, `2001:db8::${(10 + i).toString(16)}`] }] };
  });
}

async function timedCheck(count) {
  const started = performance.now();
  const { stdout } = await run('ip', ['netns', 'exec', `${PREFIX}-h0`, binary, 'connectivity_check', JSON.stringify(params(count)), '--with-journal-logging=false'], {
    timeout: 120_000,
  });
  const ms = performance.now() - started;
  const report = JSON.parse(stdout);
  const reached = report.remote_hosts.filter((h) => (h.l3_connectivity ?? []).every((e) => e.successful) && (h.l2_connectivity ?? []).length === 2).length;
  if (reached !== count) throw new Error(`only ${reached} of ${count} hosts were fully reachable: ${stdout}`);
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

try {
  await removeLeftovers();
  await build();
  const one = [];
  const ten = [];
  // Interleaved, so drift of the machine's load affects both series alike.
  for (let r = 0; r < runs; r++) {
    one.push(await timedCheck(1));
    ten.push(await timedCheck(REMOTES));
  }
  const m1 = median(one);
  const m10 = median(ten);
  const ratio = m10 / m1;
  console.log(`connectivity_check, ${runs} runs each (IPv4 + IPv6 per host)`);
  console.log(`  1 host:   median ${m1.toFixed(0)} ms  (${one.map((v) => v.toFixed(0)).join(', ')})`);
  console.log(`  ${REMOTES} hosts: median ${m10.toFixed(0)} ms  (${ten.map((v) => v.toFixed(0)).join(', ')})`);
  console.log(`  ratio ${ratio.toFixed(3)} (target <= ${TARGET_RATIO}) ${ratio <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`);
} finally {
  cleanupSync();
}
