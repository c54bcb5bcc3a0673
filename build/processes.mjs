// What the build scripts that start programs share (`make run`, `make run-cluster`): children
// with their output prefixed by name, stopped together (SIGTERM, SIGKILL after 5 s), polling, and
// the loopback-only namespace they run in.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class Processes {
  #children = [];

  /** Starts `file args…` with its lines relayed as `[name] …`. */
  start(name, file, args, env = {}) {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = `[${name}] `;
    const relay = (stream) => (chunk) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) stream.write(`${prefix}${line}\n`);
    };
    child.stdout.on('data', relay(process.stdout));
    child.stderr.on('data', relay(process.stderr));
    this.#children.push(child);
    return child;
  }

  async stopAll() {
    await Promise.all(
      this.#children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** Polls `check` every half second until it gives a value (errors count as "not yet"). */
export async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * A network namespace with only loopback, made and removed by the script: what runs inside
 * (service, agents, their steps' scans) can reach nothing but itself.
 */
export class LoopbackNamespace {
  #made = false;

  constructor(purpose) {
    const tag = process.env.INBAND_NETNS_TAG ?? '';
    if (!/^[a-z0-9]{0,6}$/.test(tag)) throw new Error(`INBAND_NETNS_TAG ${JSON.stringify(tag)}: up to 6 lower-case letters or digits`);
    this.name = `${tag ? `${tag}-` : ''}ib-${purpose}-${process.pid}`;
  }

  async create() {
    await run('ip', ['netns', 'add', this.name], { timeout: 10_000 });
    this.#made = true;
    await run('ip', ['-n', this.name, 'link', 'set', 'lo', 'up'], { timeout: 10_000 });
  }

  /** The argument vector that runs `file args…` inside. */
  argv(file, args) {
    return ['netns', 'exec', this.name, file, ...args];
  }

  /** Runs `file args…` inside: an argument array, a timeout, killed on timeout; its stdout. */
  async exec(file, args, options = {}) {
    const { stdout } = await run('ip', this.argv(file, args), { timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, ...options });
    return stdout;
  }

  async destroy() {
    if (!this.#made) return;
    this.#made = false;
    await run('ip', ['netns', 'del', this.name], { timeout: 10_000 }).catch(() => undefined);
  }
}
