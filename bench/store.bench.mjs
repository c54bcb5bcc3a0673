// The SQLite store under step-reply load: throughput, latency (median, p99) and event-loop stalls.
//
//   node bench/store.bench.mjs            (make bench runs it through bench/run.mjs; `node bench/run.mjs store` alone)
//   STORE_BENCH_SECONDS=5 STORE_BENCH_HOSTS=2000 node bench/store.bench.mjs
//
// The store is TypeScript; esbuild bundles it (better-sqlite3 stays external) into .build/, inside
// the project so that better-sqlite3 resolves from node_modules, and the bench imports that.
// Every step reply carries a ~10 KB inventory twice, as the service writes it: in the step
// result's output and in the host record it updated.
//
// Scenarios, on a database with HOSTS registered hosts of one infra-env:
//   closed loop  WRITERS writers, each saving its next reply as soon as the last one resolved:
//                the most the store sustains, and the latency each writer sees.
//   open loop    replies arriving at a fixed RATE (latency counted from the planned arrival, so
//                a stall shows up in the figures), with check-ins at CHECKIN_RATE alongside:
//                the service targets (>= 500 replies/s, p99 < 50 ms, 3,000 polls/s).
//   reads        listAllHosts / listHosts / getHost / listEvents on that database.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const seconds = Number(process.env.STORE_BENCH_SECONDS ?? 10);
const HOSTS = Number(process.env.STORE_BENCH_HOSTS ?? 10_000);
const WRITERS = 50;
const RATE = Number(process.env.STORE_BENCH_RATE ?? 500);
const CHECKIN_RATE = 3_000;
const TARGET_P99_MS = 50;

const bundle = path.join(root, '.build', 'store-bench.mjs');
await build({
  stdin: {
    contents: [
      "export { SqliteStore } from './src/server/store/sqlite/sqlite-store.ts';",
      "export * from './src/server/store/store-fixtures.ts';",
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'store-bench-entry.ts',
    loader: 'ts',
  },
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  logLevel: 'warning',
});
const { SqliteStore, aHost, anInfraEnv, anInventory, aStepResult, anEvent } = await import(`file://${bundle}`);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'inband-store-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const store = await SqliteStore.open(dataDir);

const inventory = anInventory(10_000);
const hosts = Array.from({ length: HOSTS }, (_, i) => aHost('e1', `host-${String(i).padStart(5, '0')}`, { inventory, status: 'known' }));
const randomHost = () => hosts[Math.floor(Math.random() * hosts.length)];
let stepSeq = 0;
const saveReply = (host) => {
  const stepId = `inventory-${(stepSeq++).toString(16)}`;
  return store.saveStepReply(aStepResult(host, stepId, { output: inventory, receivedAt: new Date().toISOString() }), {
    ...host,
    updatedAt: new Date().toISOString(),
  });
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (n) => `${n.toFixed(2)} ms`;
function latencySummary(samples) {
  const sorted = Float64Array.from(samples).sort();
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}
function stallSummary(histogram) {
  return `event-loop delay p99 ${ms(histogram.percentile(99) / 1e6)}, max ${ms(histogram.max / 1e6)}`;
}
const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

// ---- set-up: the registered hosts, and some events to query
{
  const started = performance.now();
  await store.createInfraEnv(anInfraEnv('e1'));
  await Promise.all(hosts.map((host) => store.putHost(host)));
  await Promise.all(
    Array.from({ length: 20_000 }, (_, i) => store.addEvent(anEvent({ infraEnvId: 'e1', hostId: hosts[i % HOSTS].id, message: `event ${i}` }))),
  );
  console.log(
    `store bench: ${HOSTS} hosts with ${(inventory.length / 1024).toFixed(1)} KiB inventories, 20000 events, set up in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `${os.cpus().length} CPUs, ${seconds} s per scenario`,
  );
}

// ---- closed loop: WRITERS writers back to back
{
  const before = store.writeStats();
  const latencies = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const deadline = performance.now() + seconds * 1000;
  const writer = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      await saveReply(randomHost());
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const elapsed = (performance.now() - started) / 1000;
  loop.disable();
  const after = store.writeStats();
  const l = latencySummary(latencies);
  const transactions = after.transactions - before.transactions;
  console.log(`closed loop, ${WRITERS} concurrent writers of step replies:`);
  console.log(`  ${(latencies.length / elapsed).toFixed(0)} replies/s; latency median ${ms(l.median)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`);
  console.log(`  ${transactions} transactions for ${after.writes - before.writes} writes (${((after.writes - before.writes) / transactions).toFixed(1)} per commit); ${stallSummary(loop)}`);
}

// ---- open loop: replies at RATE/s and check-ins at CHECKIN_RATE/s, arrivals on a fixed schedule
{
  const before = store.writeStats();
  const latencies = [];
  const inFlight = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const started = performance.now();
  const total = RATE * seconds;
  let issued = 0;
  let checkIns = 0;
  while (issued < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - started) / 1000) * RATE));
    for (; issued < due; issued++) {
      const planned = started + (issued / RATE) * 1000;
      inFlight.push(saveReply(randomHost()).then(() => latencies.push(performance.now() - planned)));
    }
    const checkInsDue = Math.floor(((now - started) / 1000) * CHECKIN_RATE);
    for (; checkIns < checkInsDue; checkIns++) {
      const host = randomHost();
      void store.recordCheckIn(host.infraEnvId, host.id, { at: new Date().toISOString(), timestamp: Math.floor(Date.now() / 1000) });
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  loop.disable();
  const after = store.writeStats();
  const l = latencySummary(latencies);
  console.log(`open loop, ${RATE} step replies/s offered plus ${CHECKIN_RATE} check-ins/s (flushed every second):`);
  console.log(`  ${(latencies.length / elapsed).toFixed(0)} replies/s done; latency median ${ms(l.median)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`);
  console.log(`  ${after.transactions - before.transactions} transactions for ${after.writes - before.writes} writes; ${stallSummary(loop)}`);
  const met = l.p99 < TARGET_P99_MS && latencies.length / elapsed >= RATE * 0.98;
  console.log(`  target: >= ${RATE} replies/s with p99 < ${TARGET_P99_MS} ms ${met ? 'met' : 'MISSED'}`);
  console.log(`  RSS after the write scenarios ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
}

// ---- reads on the loaded database
{
  const timed = async (label, runs, fn) => {
    const samples = [];
    let result;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      result = await fn();
      samples.push(performance.now() - started);
    }
    const l = latencySummary(samples);
    const size = Array.isArray(result) ? ` (${result.length} records)` : '';
    console.log(`  ${label.padEnd(44)} median ${ms(l.median).padStart(11)}, p99 ${ms(l.p99).padStart(11)}${size}`);
  };
  console.log('reads:');
  await timed('getHost', 2_000, () => store.getHost('e1', randomHost().id));
  await timed('listHosts (one infra-env, all hosts)', 5, () => store.listHosts('e1'));
  await timed('listAllHosts', 5, () => store.listAllHosts());
  await timed('listStepResults (one host)', 2_000, () => store.listStepResults('e1', randomHost().id));
  await timed('listEvents infra-env, newest 100', 200, () => store.listEvents({ infraEnvId: 'e1', order: 'descending', limit: 100 }));
  await timed('listEvents host, all', 200, () => store.listEvents({ hostId: randomHost().id }));
  for (const host of hosts) void store.recordCheckIn(host.infraEnvId, host.id, { at: new Date().toISOString() });
  await timed(`flushCheckIns (${HOSTS} pending)`, 1, () => store.flushCheckIns());
}

await store.close();
const fileMb = (name) => {
  try {
    return statSync(path.join(dataDir, name)).size / 1024 / 1024;
  } catch {
    return 0;
  }
};
// RSS here includes the garbage of the listAllHosts calls above (10,000 parsed records each).
console.log(`database ${fileMb('inband.db').toFixed(0)} MB after close; RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
