// What the build scripts that start programs share (`make run`, `make run-cluster`): children
// with their output prefixed by name, stopped together (SIGTERM, SIGKILL after 5 s), and polling.
import { spawn } from 'node:child_process';

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
