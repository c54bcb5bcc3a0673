// GET /metrics and the CLI's fleet questions on `inband serve` holding N hosts (10,000 by default).
//
//   node bench/metrics.bench.mjs [hosts] [rounds]     (make bench runs it)
//
// Seeds the hosts through the agent API (bench/support/seed-hosts.mjs), then takes `rounds`
// scrapes, each after the service's one-second rendering interval (so each is a fresh rendering of
// the hosts gauge and every series), and times `hosts find --mac` and `hosts firmware`, which read
// every host's inventory over the operator API. Prints medians. The machine's cores are shared by
// the service, the load and the CLI.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from '../build/free-port.mjs';
import { seedHosts } from './support/seed-hosts.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const HOSTS = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const TARGET_SCRAPE_MS = 250;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'inband-bench-metrics-'));
const token = randomBytes(18).toString('base64url');
const port = await freePort();
const server = `http://127.0.0.1:${port}`;
const service = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, `--admin-token=${token}`, '--with-stdout-logging=false'], { stdio: 'ignore' });
process.on('exit', () => {
  if (service.exitCode === null) service.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});
for (let i = 0; ; i++) {
  if ((await fetch(`${server}/healthz`).catch(() => undefined))?.ok) break;
  if (i > 100) throw new Error('inband serve did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const auth = { authorization: `Bearer ${token}` };
const created = await fetch(`${server}/api/assisted-install/v2/infra-envs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', pull_secret: '{}' }) });
const infraEnv = await created.json();
const seeding = performance.now();
await seedHosts({ base: `${server}/api/assisted-install`, infraEnvId: infraEnv.id, agentToken: infraEnv.agent_token, count: HOSTS });
console.log(`seeded ${HOSTS} hosts in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const scrapes = [];
let bytes = 0;
for (let i = 0; i < ROUNDS; i++) {
  await new Promise((r) => setTimeout(r, 1_100));
  const started = performance.now();
  const text = await (await fetch(`${server}/metrics`, { headers: auth })).text();
  scrapes.push(performance.now() - started);
  bytes = text.length;
  if (!text.includes('inband_hosts{')) throw new Error('the scrape has no hosts gauge');
}
/** Wall time of one CLI run; exit 1 ("no host found") is an answer too, and costs the same. */
const cli = (args) => {
  const started = performance.now();
  const run = spawnSync(binary, [...args, '--server', server, '--token', token], { stdio: 'ignore', timeout: 120_000 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`inband ${args.join(' ')} exited ${run.status ?? run.signal}`);
  return performance.now() - started;
};
const find = [];
const firmware = [];
for (let i = 0; i < Math.min(ROUNDS, 3); i++) {
  find.push(cli(['hosts', 'find', '--mac', '52:54:01:00:00:07']));
  firmware.push(cli(['hosts', 'firmware']));
}
const scrapeMs = median(scrapes);
console.log(`GET /metrics, ${HOSTS} hosts: median ${scrapeMs.toFixed(1)} ms over ${ROUNDS} fresh renderings, ${(bytes / 1024).toFixed(0)} KiB (target ≤ ${TARGET_SCRAPE_MS} ms)`);
console.log(`hosts find --mac: median ${median(find).toFixed(0)} ms; hosts firmware: median ${median(firmware).toFixed(0)} ms (${Math.min(ROUNDS, 3)} runs each, CLI start included)`);
service.kill('SIGTERM');
process.exit(scrapeMs > TARGET_SCRAPE_MS ? 1 : 0);
