// Load on `inband serve`: simulated agents register, poll for instructions and post inventories
// over real HTTP on loopback, through keep-alive connections.
//
//   node bench/service.bench.mjs [hosts] [seconds-per-phase] [rounds] [--postgres | --database-url URL] [--replicas N]
//
// By default the embedded SQLite store. --postgres starts a throwaway PostgreSQL (a temp dir,
// removed afterwards; pg_stat_statements loaded to count round trips), --database-url uses a given
// empty database (env BENCH_DATABASE_URL); --replicas N runs N replicas on that database with the
// load spread over them host by host, as a round-robin balancer would. With PostgreSQL the report
// adds the statements one poll and one inventory reply cost and the database size. make bench
// runs SQLite, PostgreSQL with one replica and with two.
//
// The service runs as the packaged binary (dist/inband serve) in its own process; the load comes
// from this process with undici. Both share the machine's 2 cores, so the figures are what one
// machine does as service and load generator at once. Each phase runs `rounds` times; the report
// gives the median round.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { freePort } from '../build/free-port.mjs';
import { ThrowawayPostgres } from '../build/throwaway-postgres.mjs';

const flags = { postgres: false, databaseUrl: process.env.BENCH_DATABASE_URL ?? '', replicas: 1 };
const positional = [];
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (arg === '--postgres') flags.postgres = true;
  else if (arg === '--database-url') flags.databaseUrl = process.argv[++i] ?? '';
  else if (arg === '--replicas') flags.replicas = Number(process.argv[++i]);
  else if (arg.startsWith('--')) throw new Error(`unknown flag ${arg}`);
  else positional.push(arg);
}
if (!Number.isInteger(flags.replicas) || flags.replicas < 1 || flags.replicas > 8) throw new Error('--replicas: 1 to 8');
if (flags.replicas > 1 && !flags.postgres && !flags.databaseUrl) throw new Error('--replicas needs PostgreSQL (--postgres or --database-url)');

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const HOSTS = Number(positional[0] ?? 10_000);
const PHASE_SECONDS = Number(positional[1] ?? 8);
const ROUNDS = Number(positional[2] ?? 3);
const INFRA_ENVS = 10;
const CONCURRENCY = 64;
const TARGETS = { polls: 3000, replies: 500, p99: 50 };

const API = '/api/assisted-install';
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'inband-bench-serve-'));
const adminToken = randomBytes(18).toString('base64url');

const fixtures = readdirSync(path.join(root, 'test/fixtures/hosts')).map((name) =>
  JSON.parse(readFileSync(path.join(root, 'test/fixtures/hosts', name, 'expected-inventory.json'), 'utf8')),
);


// The database: a throwaway cluster of our own, a given one, or none (each replica its SQLite file).
let postgres;
let databaseUrl = flags.databaseUrl;
if (flags.postgres) {
  // BENCH_PG_SETTINGS="synchronous_commit=off wal_compression=on": more postgresql.conf lines, to see what a setting is worth.
  const extra = Object.fromEntries((process.env.BENCH_PG_SETTINGS ?? '').split(/\s+/).filter(Boolean).map((kv) => kv.split('=', 2)));
  postgres = await ThrowawayPostgres.start({ port: await freePort(), settings: { shared_preload_libraries: "'pg_stat_statements'", shared_buffers: "'256MB'", ...extra } });
  databaseUrl = await postgres.createDatabase('inband_bench');
  // BENCH_PG_SOCKET=1: the replicas reach the database through its unix socket instead of TCP on loopback.
  if (process.env.BENCH_PG_SOCKET) databaseUrl = `${databaseUrl}?host=${encodeURIComponent(postgres.dir)}`;
  await postgres.psql('CREATE EXTENSION pg_stat_statements', 'inband_bench');
}
const storeName = databaseUrl ? `PostgreSQL store, ${flags.replicas} replica${flags.replicas > 1 ? 's' : ''}` : 'SQLite store';

// BENCH_NODE_ARGS="--cpu-prof" runs the service from the bundle under node instead, for profiling.
const serveCommand = process.env.BENCH_NODE_ARGS
  ? [process.execPath, [...process.env.BENCH_NODE_ARGS.split(' '), path.join(root, 'dist', 'inband.cjs')]]
  : [binary, []];
const replicas = [];
for (let r = 0; r < flags.replicas; r++) {
  const port = await freePort();
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(dataDir, `replica-${r}`), `--admin-token=${adminToken}`, '--with-stdout-logging=false', ...(databaseUrl ? ['--database-url', databaseUrl] : []),
    // BENCH_SERVE_ARGS="--database-pool 32": more serve flags, to see what one is worth.
    ...(process.env.BENCH_SERVE_ARGS ?? '').split(/\s+/).filter(Boolean)];
  const child = spawn(serveCommand[0], [...serveCommand[1], ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const replica = { port, child, err: '', pool: new Pool(`http://127.0.0.1:${port}`, { connections: Math.ceil(CONCURRENCY / flags.replicas), keepAliveTimeout: 60_000 }) };
  child.stderr.on('data', (d) => (replica.err += d));
  replicas.push(replica);
}
const cleanup = () => {
  for (const { child } of replicas) if (child.exitCode === null) child.kill(process.env.BENCH_NODE_ARGS ? 'SIGINT' : 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  postgres?.removeNow();
};
process.on('exit', cleanup);
process.once('SIGINT', () => process.exit(130));

/** A request through replica `r` (host by host, as a round-robin balancer spreads agents). */
async function call(method, urlPath, headers, body, r = 0) {
  const started = performance.now();
  const res = await replicas[r % replicas.length].pool.request({
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
  const deadline = Date.now() + 60_000;
  for (const [r, replica] of replicas.entries()) {
    for (;;) {
      try {
        await call('GET', '/readyz', {}, undefined, r);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`replica ${r} did not start: ${err.message}\n${replica.err}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
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

/**
 * CPU seconds the service's replicas, the database's processes and this load generator have used
 * so far (from /proc): a phase's difference divided by its requests is the CPU each request costs,
 * which other load on the machine changes less than it changes throughput (not at all only when
 * the machine's cores themselves do not slow down).
 */
const TICKS = 100; // USER_HZ, 100 on Linux
/** /proc/PID/stat after the command name: [state, ppid, …], utime at 11, stime 12, and the waited-for children's at 13 and 14. */
const statOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined; // gone meanwhile
  }
};
const ticks = (fields, from, to) => (fields ? fields.slice(from, to + 1).reduce((sum, f) => sum + Number(f), 0) : 0);
function cpuSeconds() {
  const serve = replicas.reduce((sum, r) => sum + ticks(statOf(r.child.pid), 11, 12), 0);
  let database = 0;
  if (postgres) {
    const postmaster = String(Number(readFileSync(path.join(postgres.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]));
    // The postmaster's own time and that of the backends that have exited (it waits for them),
    // then the backends alive now: a backend that exits between two readings still counts.
    database = ticks(statOf(postmaster), 11, 14);
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const fields = statOf(pid);
      if (fields?.[1] === postmaster) database += ticks(fields, 11, 12);
    }
  }
  const own = process.cpuUsage();
  return { serve: serve / TICKS, database: database / TICKS, load: (own.user + own.system) / 1e6 };
}
const cpuPer = (before, after, requests) =>
  Object.fromEntries(Object.keys(before).map((k) => [k, ((after[k] - before[k]) * 1000) / requests]));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

await waitForService();
const admin = { authorization: `Bearer ${adminToken}` };
const infraEnvs = [];
for (let i = 0; i < INFRA_ENVS; i++) {
  infraEnvs.push(JSON.parse((await call('POST', `${API}/v2/infra-envs`, admin, { name: `bench-${i}` })).text));
}
const hosts = Array.from({ length: HOSTS }, (_, i) => ({ id: randomUUID(), infraEnv: infraEnvs[i % INFRA_ENVS], replica: i % replicas.length }));
const agentHeaders = (host) => ({ 'x-secret-key': host.infraEnv.agent_token, discovery_agent_version: 'quay.io/edge-infrastructure/assisted-installer-agent:latest' });

const registerStarted = performance.now();
const registerLatencies = await forCount(HOSTS, (i) => {
  const host = hosts[i];
  return call('POST', `${API}/v2/infra-envs/${host.infraEnv.id}/hosts`, agentHeaders(host), { host_id: host.id }, host.replica).then((r) => r.ms);
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

const pollOnce = (i) => {
  const host = hosts[(i * 7919) % HOSTS];
  const ts = Math.floor(Date.now() / 1000);
  return call('GET', `${API}/v2/infra-envs/${host.infraEnv.id}/hosts/${host.id}/instructions?timestamp=${ts}`, agentHeaders(host), undefined, host.replica);
};
// The replies' JSON made once per host, only the step ID spliced in per request: the load
// generator shares the 2 cores with the service, and escaping 5 KB per request is its cost, not
// the service's (real agents do that on their own machines).
const replyTails = inventories.map((inventory) => `,"step_type":"inventory","output":${JSON.stringify(inventory)}}`);
const replyOnce = (i) => {
  const host = hosts[i % HOSTS];
  const reply = `{"step_id":"inventory-${i.toString(16).padStart(8, '0')}"${replyTails[i % HOSTS]}`;
  return call('POST', `${API}/v2/infra-envs/${host.infraEnv.id}/hosts/${host.id}/instructions`, agentHeaders(host), reply, host.replica);
};

// Every host with its inventory once (what a discovered fleet holds), then the database's size
// beside that of the schema alone.
const emptyBytes = postgres ? Number(await postgres.psql("SELECT pg_database_size('inband_bench')")) : 0;
await forCount(HOSTS, (i) => replyOnce(i).then((r) => r.ms));
let roundTrips;
let databaseBytes;
if (postgres) {
  await new Promise((resolve) => setTimeout(resolve, 1500)); // buffered check-ins and events written
  databaseBytes = Number(await postgres.psql("SELECT pg_database_size('inband_bench')"));
  roundTrips = { poll: await statementsPer(2000, pollOnce), reply: await statementsPer(1000, (i) => replyOnce(HOSTS + i)) };
}

/**
 * Statements the database ran per request, from pg_stat_statements (every statement is one round
 * trip; batched check-in and event writes count as the share each request has of them). Includes
 * what the replicas' background work ran meanwhile, so it is an upper bound.
 */
async function statementsPer(count, send) {
  const statements = "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'inband_bench' AND query NOT ILIKE '%pg_stat_statements%'";
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const before = Number(await postgres.psql(statements, 'inband_bench'));
  await forCount(count, (i) => send(i).then((r) => r.ms));
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the next check-in flush
  const after = Number(await postgres.psql(statements, 'inband_bench'));
  return (after - before) / count;
}

/**
 * Open loop: requests are started on a fixed schedule whatever the answers do, and each latency is
 * counted from its scheduled start, so a stall shows up in the percentiles instead of slowing the
 * offered load (no coordinated omission).
 */
async function atRate(seconds, streams) {
  const started = performance.now();
  const results = streams.map(() => ({ latencies: [], errors: 0 }));
  const inFlight = new Set();
  while (performance.now() - started < seconds * 1000) {
    const now = performance.now() - started;
    streams.forEach((stream, s) => {
      const due = Math.floor((now / 1000) * stream.rate);
      while (stream.sent < due) {
        const scheduled = started + (stream.sent / stream.rate) * 1000;
        const p = stream
          .send(stream.sent++)
          .then(() => results[s].latencies.push(performance.now() - scheduled))
          .catch(() => results[s].errors++)
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(inFlight);
  return results.map((r) => ({ ...summary(r.latencies, seconds), errors: r.errors }));
}

const capacity = { polls: [], replies: [] };
const alone = { polls: [], replies: [] };
const together = { polls: [], replies: [] };
for (let round = 0; round < ROUNDS; round++) {
  let before = cpuSeconds();
  const replyLatencies = await forSeconds(PHASE_SECONDS, (i) => replyOnce(i).then((r) => r.ms));
  capacity.replies.push({ ...summary(replyLatencies, PHASE_SECONDS), cpu: cpuPer(before, cpuSeconds(), replyLatencies.length) });
  before = cpuSeconds();
  const pollLatencies = await forSeconds(PHASE_SECONDS, (i) => pollOnce(i).then((r) => r.ms));
  capacity.polls.push({ ...summary(pollLatencies, PHASE_SECONDS), cpu: cpuPer(before, cpuSeconds(), pollLatencies.length) });
  alone.polls.push(...(await atRate(PHASE_SECONDS, [{ rate: TARGETS.polls, sent: 0, send: pollOnce }])));
  alone.replies.push(...(await atRate(PHASE_SECONDS, [{ rate: TARGETS.replies, sent: 0, send: replyOnce }])));
  const [polls, replies] = await atRate(PHASE_SECONDS, [
    { rate: TARGETS.polls, sent: 0, send: pollOnce },
    { rate: TARGETS.replies, sent: 0, send: replyOnce },
  ]);
  together.polls.push(polls);
  together.replies.push(replies);
}

const fmt = (s) => `${s.rate.toFixed(0).padStart(6)}/s   p50 ${s.p50.toFixed(1).padStart(6)} ms   p99 ${s.p99.toFixed(1).padStart(6)} ms`;
const pick = (list) => ({
  rate: median(list.map((s) => s.rate)),
  p50: median(list.map((s) => s.p50)),
  p99: median(list.map((s) => s.p99)),
  ...(list[0]?.cpu ? { cpu: Object.fromEntries(Object.keys(list[0].cpu).map((k) => [k, median(list.map((s) => s.cpu[k]))])) } : {}),
});
const fmtCpu = (s) => `   CPU per request: service ${s.cpu.serve.toFixed(3)} ms${databaseUrl ? `, database ${s.cpu.database.toFixed(3)} ms` : ''}, load generator ${s.cpu.load.toFixed(3)} ms`;
const errors = [...alone.polls, ...alone.replies, ...together.polls, ...together.replies].reduce((sum, r) => sum + r.errors, 0);
console.log(`inband serve (${storeName}), ${HOSTS} hosts in ${INFRA_ENVS} infra-envs, ${os.cpus().length} CPUs shared by ${databaseUrl ? 'the database, ' : ''}the service and the load generator`);
console.log(`  registrations       ${fmt(registration)}   (one pass, ${CONCURRENCY} connections)`);
console.log(`  capacity: each alone, ${CONCURRENCY} connections always busy (median of ${ROUNDS} rounds of ${PHASE_SECONDS} s)`);
console.log(`    inventory posts   ${fmt(pick(capacity.replies))}   (${(inventoryBytes / 1024).toFixed(1)} KB each)`);
console.log(`    polls             ${fmt(pick(capacity.polls))}`);
console.log(`    inventory posts${fmtCpu(pick(capacity.replies))}`);
console.log(`    polls          ${fmtCpu(pick(capacity.polls))}`);
console.log(`  at the target rates, open loop, each alone (median of ${ROUNDS} rounds of ${PHASE_SECONDS} s)`);
console.log(`    inventory posts   ${fmt(pick(alone.replies))}`);
console.log(`    polls             ${fmt(pick(alone.polls))}`);
console.log(`  at the target rates, both at once (median of ${ROUNDS} rounds of ${PHASE_SECONDS} s)`);
console.log(`    inventory posts   ${fmt(pick(together.replies))}`);
console.log(`    polls             ${fmt(pick(together.polls))}`);
console.log(`  failed requests: ${errors}`);
if (roundTrips) {
  console.log(`  database statements (round trips) per request: poll ${roundTrips.poll.toFixed(2)}, inventory reply ${roundTrips.reply.toFixed(2)}`);
  console.log(`  database size with ${HOSTS} hosts and their inventories: ${(databaseBytes / 2 ** 20).toFixed(1)} MiB (${((databaseBytes - emptyBytes) / HOSTS * 10_000 / 2 ** 20).toFixed(1)} MiB per 10,000 hosts above the ${(emptyBytes / 2 ** 20).toFixed(1)} MiB the database holds with the registrations)`);
}
const met = (ok) => (ok ? 'met' : 'MISSED');
const a = { polls: pick(alone.polls), replies: pick(alone.replies) };
const t = { polls: pick(together.polls), replies: pick(together.replies) };
console.log(
  `  targets, each alone: ${TARGETS.polls} polls/s with p99 < ${TARGETS.p99} ms ${met(a.polls.rate >= TARGETS.polls * 0.98 && a.polls.p99 < TARGETS.p99)}; ` +
    `${TARGETS.replies} inventory posts/s with p99 < ${TARGETS.p99} ms ${met(a.replies.rate >= TARGETS.replies * 0.98 && a.replies.p99 < TARGETS.p99)}`,
);
console.log(`  targets, both at once: p99 < ${TARGETS.p99} ms ${met(Math.max(t.polls.p99, t.replies.p99) < TARGETS.p99)}`);
if (postgres && process.env.BENCH_PG_TOP) {
  // BENCH_PG_TOP=8: the statements that took the database longest, to see where its time goes.
  console.log(await postgres.psql(`SELECT round(total_exec_time)::text || ' ms total, ' || calls || ' calls, ' || round(mean_exec_time::numeric, 3) || ' ms mean: ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT ${Number(process.env.BENCH_PG_TOP) || 8}`, 'inband_bench'));
}
for (const replica of replicas) {
  await replica.pool.close();
  replica.child.kill('SIGTERM');
}
await Promise.all(replicas.map(({ child }) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
await postgres?.destroy();
