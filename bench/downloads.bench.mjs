// A rack boots at once: 200 discovery hosts fetch the agent from `inband serve` together.
//
//   node bench/downloads.bench.mjs [clients] [rounds]     (make bench runs it: 200 clients, 3 rounds)
//
// The service is the packaged binary (dist/inband serve) handing out its own executable; the
// clients are this process (undici, one connection each, every byte read and counted), on the same
// 2 cores. Two forms: `inband.gz` (what Ignition fetches; curl --compressed gets the same bytes)
// and the plain binary. Reported per form, median of the rounds: wall time until the last client
// has its last byte, aggregate throughput, and the service's RSS — idle before the round and its
// peak during it (VmHWM, reset before each round through /proc/<pid>/clear_refs), whose difference
// is what the downloads cost in memory. Target: the service never holds a download in memory, so
// the peak stays within tens of MB of idle whatever the client count.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { freePort } from '../build/free-port.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const CLIENTS = Number(process.argv[2] ?? 200);
const ROUNDS = Number(process.argv[3] ?? 3);
const TARGET_RSS_GROWTH_MB = 64;
const API = '/api/assisted-install/v2/agent-binaries/x86_64';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'inband-bench-downloads-'));
const port = await freePort();
const service = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, `--admin-token=${randomBytes(18).toString('base64url')}`, '--with-stdout-logging=false'], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let serviceErr = '';
service.stderr.on('data', (d) => (serviceErr += d));
process.on('exit', () => {
  if (service.exitCode === null) service.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CLIENTS, keepAliveTimeout: 60_000, bodyTimeout: 300_000, headersTimeout: 300_000 });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const status = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${service.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function waitForService() {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await pool.request({ method: 'GET', path: '/healthz' });
      await res.body.text();
      if (res.statusCode === 200) return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`service did not start: ${err.message}\n${serviceErr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Reads the whole body, counting bytes; with `verify`, gunzips and hashes it too (one client per round). */
async function download(file, verify) {
  const res = await pool.request({ method: 'GET', path: `${API}/${file}` });
  if (res.statusCode !== 200) throw new Error(`${file}: ${res.statusCode} ${(await res.body.text()).slice(0, 200)}`);
  let bytes = 0;
  if (!verify) {
    for await (const chunk of res.body) bytes += chunk.length;
    return { bytes };
  }
  const hash = createHash('sha256');
  const source = Readable.from(res.body).on('data', (chunk) => (bytes += chunk.length));
  const plain = file.endsWith('.gz') ? source.pipe(createGunzip()) : source;
  for await (const chunk of plain) hash.update(chunk);
  return { bytes, sha256: hash.digest('hex') };
}

async function round(file, expectedSha256) {
  writeFileSync(`/proc/${service.pid}/clear_refs`, '5');
  const idle = status('VmRSS');
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => download(file, i === 0)));
  const seconds = (performance.now() - started) / 1000;
  if (results[0].sha256 !== expectedSha256) throw new Error(`${file}: the downloaded agent's sha256 ${results[0].sha256} is not the published ${expectedSha256}`);
  const total = results.reduce((sum, r) => sum + r.bytes, 0);
  return { seconds, mbPerSecond: total / 1e6 / seconds, idle, peak: status('VmHWM'), eachMb: results[0].bytes / 1e6 };
}

await waitForService();
const [listed] = JSON.parse(await (await pool.request({ method: 'GET', path: '/api/assisted-install/v2/agent-binaries' })).body.text());
// The first gzip request waits for the one-time compression into the data dir; not part of a round.
await download('inband.gz', false);

console.log(`inband serve handing out its own ${(listed.size_bytes / 1e6).toFixed(0)} MB executable to ${CLIENTS} clients at once, ${os.cpus().length} CPUs shared with the clients; median of ${ROUNDS} rounds`);
let failed = false;
for (const file of ['inband.gz', 'inband']) {
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round(file, listed.sha256));
  const pick = (key) => median(rounds.map((r) => r[key]));
  const growth = pick('peak') - pick('idle');
  console.log(
    `  ${file.padEnd(10)} ${pick('eachMb').toFixed(1)} MB each: all ${CLIENTS} done in ${pick('seconds').toFixed(1)} s (${(pick('mbPerSecond') / 1000).toFixed(2)} GB/s); ` +
      `service RSS ${pick('idle').toFixed(0)} MB idle → ${pick('peak').toFixed(0)} MB peak (+${growth.toFixed(0)} MB, target ≤ +${TARGET_RSS_GROWTH_MB})`,
  );
  if (growth > TARGET_RSS_GROWTH_MB) failed = true;
}
await pool.close();
service.kill('SIGTERM');
await once(service, 'exit');
if (failed) {
  console.log(`FAIL: the service's RSS grew by more than ${TARGET_RSS_GROWTH_MB} MB during a round`);
  process.exitCode = 1;
}
