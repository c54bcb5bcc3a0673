// `make run`: the whole discovery loop on this machine. Starts `inband serve` on loopback with the
// embedded store, creates an infra-env, runs `inband agent` against it as this host, waits until
// the host is discovered, and shows its status, validations and inventory summary. Everything it
// starts is stopped again, also on failure or Ctrl-C.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { freePort } from './free-port.mjs';
import { Processes, waitFor } from './processes.mjs';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = path.join(root, 'dist', 'inband');
const work = path.join(root, '.build', 'main-job');
const DISCOVERY_TIMEOUT_MS = 90_000;
const processes = new Processes();
const start = (name, args, env) => processes.start(name, binary, args, env);




const stopAll = () => processes.stopAll();

async function cli(args) {
  const { stdout } = await run(binary, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}


async function main() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const port = await freePort();
  const server = `http://127.0.0.1:${port}`;
  const token = randomBytes(18).toString('base64url');
  const ops = ['--server', server, '--token', token];

  console.log(`== starting inband serve on ${server} (data in ${path.relative(root, work)}/data)`);
  start('serve', ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(work, 'data'), '--admin-token', token]);
  await waitFor('the service', async () => (await fetch(`${server}/healthz`)).ok, 30_000);

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
