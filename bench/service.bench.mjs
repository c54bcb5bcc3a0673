// Load on `inband serve` with the embedded SQLite store: simulated agents register, poll for
// instructions and post inventories over real HTTP on loopback, through keep-alive connections.
//
//   node bench/service.bench.mjs [hosts] [seconds-per-phase] [rounds]     (make bench runs it)
//
// The service runs as the packaged binary (dist/inband serve) in its own process; the load comes
// from this process with undici. Both share the machine's 2 cores, so the figures are what one
// machine does as service and load generator at once. Each phase runs `rounds` times; the report
// gives the median round.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'undici';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const HOSTS = Number(process.argv[2] ?? 10_000);
const PHASE_SECONDS = Number(process.argv[3] ?? 8);
const ROUNDS = Number(process.argv[4] ?? 3);
const INFRA_ENVS = 10;
const CONCURRENCY = 64;
const TARGETS = { polls: 3000, replies: 500, p99: 50 };

const API = '/api/assisted-install';
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'inband-bench-serve-'));
const adminToken = randomBytes(18).toString('base64url');

const fixtures = readdirSync(path.join(root, 'test/fixtures/hosts')).map((name) =>
  JSON.parse(readFileSync(path.join(root, 'test/fixtures/hosts', name, 'expected-inventory.json'), 'utf8')),
);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const service = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', adminToken, '--with-stdout-logging=false'], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let serviceErr = '';
service.stderr.on('data', (d) => (serviceErr += d));
const cleanup = () => {
  service.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
};
process.on('exit', cleanup);

const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, keepAliveTimeout: 60_000 });

async function call(method, urlPath, headers, body) {
  const started = performance.now();
  const res = await pool.request({
    method,
    path: urlPath,
    headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${urlPath}: ${res.statusCode} ${text.slice(0, 200)}`);
  return { ms: performance.now() - started, text };
}

async function waitForService() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await call('GET', '/healthz', {});
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`service did not start: ${err.message}\n${serviceErr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Runs `work(i)` for i in [0, count) with CONCURRENCY in flight; returns per-call latencies. */
async function forCount(count, work) {
  const latencies = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) latencies.push(await work(next++));
    }),
  );
  return latencies;
}

/** Runs `work(i)` for `seconds`, with CONCURRENCY in flight; returns per-call latencies. */
async function forSeconds(seconds, work) {
  const latencies = [];
  const until = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) latencies.push(await work(next++));
    }),
  );
  return latencies;
}

function summary(latencies, seconds) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { rate: latencies.length / seconds, p50: pct(50), p99: pct(99) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

await waitForService();
const admin = { authorization: `Bearer ${adminToken}` };
const infraEnvs = [];
for (let i = 0; i < INFRA_ENVS; i++) {
  infraEnvs.push(JSON.parse((await call('POST', `${API}/v2/infra-envs`, admin, { name: `bench-${i}` })).text));
}
const hosts = Array.from({ length: HOSTS }, (_, i) => ({ id: randomUUID(), infraEnv: infraEnvs[i % INFRA_ENVS] }));
const agentHeaders = (host) => ({ 'x-secret-key': host.infraEnv.agent_token, discovery_agent_version: 'quay.io/edge-infrastructure/assisted-installer-agent:latest' });

const registerStarted = performance.now();
const registerLatencies = await forCount(HOSTS, (i) => {
  const host = hosts[i];
  return call('POST', `${API}/v2/infra-envs/${host.infraEnv.id}/hosts`, agentHeaders(host), { host_id: host.id }).then((r) => r.ms);
});
const registration = summary(registerLatencies, (performance.now() - registerStarted) / 1000);

// Each host's inventory: a recorded machine with its own hostname and MAC, about 4-10 KB of JSON.
function inventoryFor(i) {
  const base = fixtures[i % fixtures.length];
  const mac = `02:00:${[(i >> 16) & 255, (i >> 8) & 255, i & 255, 1].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const interfaces = (base.interfaces ?? []).map((nic, n) => (n === 0 ? { ...nic, mac_address: mac } : nic));
  return JSON.stringify({ ...base, hostname: `bench-host-${i}`, interfaces });
}
const inventories = hosts.map((_, i) => inventoryFor(i));
const inventoryBytes = inventories.reduce((sum, inv) => sum + inv.length, 0) / inventories.length;

const phases = { polls: [], replies: [] };
for (let round = 0; round < ROUNDS; round++) {
  phases.replies.push(
    summary(
      await forSeconds(PHASE_SECONDS, (i) => {
        const host = hosts[i % HOSTS];
        const reply = { step_id: `inventory-${i.toString(16).padStart(8, '0')}`, step_type: 'inventory', output: inventories[i % HOSTS] };
        return call('POST', `${API}/v2/infra-envs/${host.infraEnv.id}/hosts/${host.id}/instructions`, agentHeaders(host), reply).then((r) => r.ms);
      }),
      PHASE_SECONDS,
    ),
  );
  phases.polls.push(
    summary(
      await forSeconds(PHASE_SECONDS, (i) => {
        const host = hosts[(i * 7919) % HOSTS];
        const ts = Math.floor(Date.now() / 1000);
        return call('GET', `${API}/v2/infra-envs/${host.infraEnv.id}/hosts/${host.id}/instructions?timestamp=${ts}`, agentHeaders(host)).then((r) => r.ms);
      }),
      PHASE_SECONDS,
    ),
  );
}

const fmt = (s) => `${s.rate.toFixed(0).padStart(6)}/s   p50 ${s.p50.toFixed(1).padStart(5)} ms   p99 ${s.p99.toFixed(1).padStart(5)} ms`;
const pick = (list) => ({ rate: median(list.map((s) => s.rate)), p50: median(list.map((s) => s.p50)), p99: median(list.map((s) => s.p99)) });
const polls = pick(phases.polls);
const replies = pick(phases.replies);
console.log(`inband serve (SQLite store), ${HOSTS} hosts in ${INFRA_ENVS} infra-envs, ${CONCURRENCY} connections, ${os.cpus().length} CPUs shared with the load generator`);
console.log(`  registrations   ${fmt(registration)}   (one pass over ${HOSTS} hosts)`);
console.log(`  inventory posts ${fmt(replies)}   (median of ${ROUNDS} rounds of ${PHASE_SECONDS} s; ${(inventoryBytes / 1024).toFixed(1)} KB each)`);
console.log(`  polls           ${fmt(polls)}   (median of ${ROUNDS} rounds of ${PHASE_SECONDS} s)`);
console.log(
  `  targets: polls >= ${TARGETS.polls}/s ${polls.rate >= TARGETS.polls ? 'met' : 'MISSED'}; inventory posts >= ${TARGETS.replies}/s ${replies.rate >= TARGETS.replies ? 'met' : 'MISSED'}; ` +
    `p99 < ${TARGETS.p99} ms ${Math.max(polls.p99, replies.p99) < TARGETS.p99 ? 'met' : 'MISSED'}`,
);
await pool.close();
service.kill('SIGTERM');
