// `make run`: the whole discovery loop on this machine. Starts `inband serve` with the embedded
// store in a network namespace of its own that has only loopback, creates an infra-env, runs `inband agent` against it as this host, waits until
// the host is discovered, and shows its status, validations and inventory summary. Everything it
// starts is stopped again, also on failure or Ctrl-C.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './free-port.mjs';
import { LoopbackNamespace, Processes, waitFor } from './processes.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const work = path.join(root, '.build', 'main-job');
const DISCOVERY_TIMEOUT_MS = 90_000;
const processes = new Processes();
// The agent reads this machine's hardware, but its network steps (free addresses, connectivity)
// must scan nothing of the machine's networks: service and agent share a loopback-only namespace.
const namespace = new LoopbackNamespace('main');
const start = (name, args, env) => processes.start(name, 'ip', namespace.argv(binary, args), env);




async function stopAll() {
  await processes.stopAll();
  await namespace.destroy();
}

const cli = (args) => namespace.exec(binary, args, { timeout: 30_000 });


async function main() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  await namespace.create();
  console.log(`== network namespace ${namespace.name} (loopback only)`);
  const port = await freePort();
  const server = `http://127.0.0.1:${port}`;
  const token = randomBytes(18).toString('base64url');
  const ops = ['--server', server, '--token', token];

  console.log(`== starting inband serve on ${server} (data in ${path.relative(root, work)}/data)`);
  start('serve', ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(work, 'data'), `--admin-token=${token}`]);
  await waitFor('the service', async () => JSON.parse(await cli(['infra-env', 'list', ...ops, '--json'])), 30_000);

  console.log('== creating an infra-env');
  const infraEnv = JSON.parse(await cli(['infra-env', 'create', '--name', 'local-discovery', ...ops, '--json']));
  console.log(await cli(['infra-env', 'list', ...ops]));

  console.log('== starting inband agent on this host');
  start('agent', ['agent', '--url', server, '--infra-env-id', infraEnv.id, '--interval', '5', '--with-journal-logging=false', '--with-stdout-logging=true'], {
    PULL_SECRET_TOKEN: infraEnv.agent_token,
  });

  const host = await waitFor(
    'the host to be discovered',
    async () => {
      const hosts = JSON.parse(await cli(['hosts', 'list', ...ops, '--json']));
      return hosts.find((h) => h.status === 'known' || h.status === 'insufficient');
    },
    DISCOVERY_TIMEOUT_MS,
  );
  console.log('\n== discovered hosts');
  console.log(await cli(['hosts', 'list', ...ops]));
  console.log(`== host ${host.id}`);
  console.log(await cli(['hosts', 'show', host.id, ...ops]));
  console.log('== events');
  console.log(await cli(['events', ...ops]));
}

const interrupted = () => stopAll().then(() => process.exit(130));
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
main()
  .then(async () => {
    await stopAll();
  })
  .catch(async (err) => {
    console.error(`main job failed: ${err.message}`);
    await stopAll();
    process.exitCode = 1;
  });
