/**
 * Runs the packaged binary as one of its step tools inside a network namespace, the way a test
 * host would run it: argument vector, bounded time, the exit code and both streams returned.
 */
import { execFile } from 'node:child_process';
import { BINARY } from './build.js';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runToolInNetns(netns: string, tool: string, json: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ToolResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      'ip',
      ['netns', 'exec', netns, BINARY, tool, json, '--with-journal-logging=false'],
      { timeout: options.timeoutMs ?? 90_000, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, ...options.env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}
