// `make run-cluster`: a local two-replica service on this machine. In a network namespace of its
// own that has nothing but loopback (so no agent step can reach any network): a throwaway
// PostgreSQL (initdb into a temp dir, as the postgres user), two `inband serve` replicas on it with
// one operator token, and one dry-run agent registering through each replica into one infra-env;
// then the hosts as each replica sees them. Everything it made is stopped and removed again, also
// on failure or Ctrl-C: the agents and replicas killed, the cluster stopped and its dir deleted,
// the namespace deleted.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LoopbackNamespace, Processes, waitFor } from './processes.mjs';
import { ThrowawayPostgres } from './throwaway-postgres.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const COMMAND_TIMEOUT_MS = 60_000;
const DISCOVERY_TIMEOUT_MS = 120_000;
// The namespace is empty, so fixed ports cannot collide with anything on the machine.
const PG_PORT = 5432;
const REPLICA_PORTS = [8091, 8092];
const namespace = new LoopbackNamespace('cluster');
const netns = namespace.name;
const HOSTS = [
  { id: 'c1a50001-0000-4000-8000-0000000000a1', hostname: 'cluster-a', mac: '52:54:00:c1:00:a1', ipv4: '198.18.21.11/24', fixture: 'server-nvme-sata-raid' },
  { id: 'c1a50001-0000-4000-8000-0000000000b2', hostname: 'cluster-b', mac: '52:54:00:c1:00:b2', ipv4: '198.18.21.12/24', fixture: 'vm-virtio' },
];

const processes = new Processes();
const start = (name, args, env) => processes.start(name, 'ip', namespace.argv(binary, args), env);
let postgres;

const inNetns = (file, args, options) => namespace.exec(file, args, { timeout: COMMAND_TIMEOUT_MS, ...options });


async function stopAll() {
  await processes.stopAll();
  await postgres?.destroy();
  await namespace.destroy();
}

async function cli(args) {
  return inNetns(binary, args, { timeout: 30_000 });
}



async function main() {
  const work = path.join(root, '.build', 'run-cluster');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  await namespace.create();
  console.log(`== network namespace ${netns} (loopback only)`);

  console.log('== starting a throwaway PostgreSQL');
  postgres = await ThrowawayPostgres.start({ port: PG_PORT, netns });
  const databaseUrl = await postgres.createDatabase('inband');
  console.log(`   ${databaseUrl} (cluster in ${postgres.dir})`);

  const token = randomBytes(18).toString('base64url');
  const servers = REPLICA_PORTS.map((port) => `http://127.0.0.1:${port}`);
  REPLICA_PORTS.forEach((port, i) => {
    console.log(`== starting replica ${i + 1} on ${servers[i]}`);
    start(`replica-${i + 1}`, [
      'serve', '--database-url', databaseUrl, '--listen', `127.0.0.1:${port}`, `--admin-token=${token}`, '--data-dir', path.join(work, `replica-${i + 1}`),
      '--poll-interval', '2', '--agent-binary', '/usr/bin/true', '--with-stdout-logging=false',
    ]);
  });
  for (const server of servers) await waitFor(`replica ${server}`, async () => JSON.parse(await cli(['infra-env', 'list', '--server', server, '--token', token, '--json'])), 60_000);

  console.log('== creating an infra-env through replica 1');
  const infraEnv = JSON.parse(await cli(['infra-env', 'create', '--name', 'run-cluster', '--server', servers[0], '--token', token, '--json']));

  HOSTS.forEach((host, i) => {
    console.log(`== dry-run agent ${host.hostname} (fixture ${host.fixture}) registering through replica ${i + 1}`);
    start(`agent-${host.hostname}`, [
      'agent', '--url', servers[i], '--infra-env-id', infraEnv.id, '--interval', '2',
      '--dry-run', '--force-id', host.id, '--force-hostname', host.hostname, '--force-mac', host.mac, '--forced-ipv4', host.ipv4,
      '--host-root', path.join(root, 'test', 'fixtures', 'hosts', host.fixture), '--with-journal-logging=false', '--with-stdout-logging=false',
    ], { PULL_SECRET_TOKEN: infraEnv.agent_token, INBAND_LOG_DIR: path.join(work, `agent-${host.hostname}`) });
  });

  const discovered = (hosts) => HOSTS.every((h) => hosts.some((w) => w.id === h.id && w.status !== 'discovering' && w.inventory));
  for (const server of servers) {
    await waitFor(`both hosts discovered as ${server} sees them`, async () => discovered(JSON.parse(await cli(['hosts', 'list', '--infra-env-id', infraEnv.id, '--server', server, '--token', token, '--json']))), DISCOVERY_TIMEOUT_MS);
  }
  for (const [i, server] of servers.entries()) {
    console.log(`\n== hosts as replica ${i + 1} (${server}) sees them`);
    console.log(await cli(['hosts', 'list', '--infra-env-id', infraEnv.id, '--server', server, '--token', token]));
  }
}

let stopping;
const interrupted = () => {
  stopping ??= stopAll().then(() => process.exit(130));
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
main()
  .then(() => stopAll())
  .catch(async (err) => {
    console.error(`run-cluster failed: ${err.message}`);
    await stopAll();
    process.exitCode = 1;
  });
