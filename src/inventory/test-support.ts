/** Test helpers for collector unit tests: a temporary host tree and a context with scripted tools. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { CommandResult, CommandRunner } from '../host/command-runner.js';
import type { HostFs } from '../host/host-fs.js';
import { memoryLogger, type Logger } from '../log/logger.js';
import type { CollectorContext } from './context.js';
import { HostTools } from './host-tools.js';

const created: string[] = [];
// Imported only by test files, so this registers on the importing file's root suite.
afterAll(async () => {
  await Promise.all(created.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** Writes files (host path → content; a value starting with "->" makes a symlink) under a new temp root. */
export async function tempHost(files: Record<string, string | Buffer>): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-host-'));
  created.push(root);
  for (const [hostPath, content] of Object.entries(files)) {
    const out = path.join(root, hostPath);
    await fs.mkdir(path.dirname(out), { recursive: true });
    if (typeof content === 'string' && content.startsWith('->')) await fs.symlink(content.slice(2).trim(), out);
    else await fs.writeFile(out, content);
  }
  return root;
}

/** Tool outputs by "file arg arg…"; anything else fails as a missing program would. */
export function scriptedRunner(outputs: Record<string, Partial<CommandResult>>, calls: string[] = []): CommandRunner {
  return async (file, args) => {
    const key = [file, ...args].join(' ');
    calls.push(key);
    const out = outputs[key];
    if (!out) return { stdout: '', stderr: `${file}: spawn ${file} ENOENT`, exitCode: -1, timedOut: false };
    return { stdout: '', stderr: '', exitCode: 0, timedOut: false, ...out };
  };
}

export function testContext(hostFs: HostFs, outputs: Record<string, Partial<CommandResult>> = {}, log: Logger = memoryLogger(), calls: string[] = []): CollectorContext {
  const shared = new Map<string, Promise<unknown>>();
  return {
    hostFs,
    tools: new HostTools(scriptedRunner(outputs, calls)),
    log,
    live: false,
    shared<T>(key: string, load: () => Promise<T>): Promise<T> {
      if (!shared.has(key)) shared.set(key, load());
      return shared.get(key) as Promise<T>;
    },
  };
}
