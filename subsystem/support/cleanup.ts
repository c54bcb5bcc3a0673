/**
 * Last-resort cleanup: whatever a test or hook failed to stop is SIGKILLed when the test worker
 * exits, so no JVM or agent outlives the run holding ports. One process-wide registry, because
 * vitest may evaluate these modules once per test file inside the same worker.
 */
import type { ChildProcess } from 'node:child_process';

const REGISTRY: unique symbol = Symbol.for('inband.subsystem.children');

type WithRegistry = typeof globalThis & { [REGISTRY]?: Set<ChildProcess> };

function registry(): Set<ChildProcess> {
  const scope = globalThis as WithRegistry;
  let children = scope[REGISTRY];
  if (!children) {
    const created = new Set<ChildProcess>();
    process.once('exit', () => {
      for (const child of created) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    scope[REGISTRY] = created;
    children = created;
  }
  return children;
}

export function killOnExit(child: ChildProcess): void {
  const children = registry();
  children.add(child);
  child.once('exit', () => children.delete(child));
}
