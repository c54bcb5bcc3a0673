import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** The process exit code; -1 when it could not be started, 124 when it was killed on timeout (as `timeout`). */
  exitCode: number;
  timedOut: boolean;
}

export interface RunOptions {
  /** Kill the command after this many milliseconds. Every command has one: there is no "wait forever". */
  timeoutMs: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Output beyond this many bytes per stream is dropped, so a chatty tool cannot exhaust memory. */
  maxOutputBytes?: number;
}

export type CommandRunner = (file: string, args: readonly string[], options: RunOptions) => Promise<CommandResult>;

export const TIMEOUT_EXIT_CODE = 124;
const KILL_GRACE_MS = 2_000;
const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * Runs a program with an argument vector (never through a shell), a timeout and a kill on timeout.
 * Never throws: a missing program or a spawn failure becomes exit code -1 with the reason in stderr,
 * which is what upstream's executor reports too.
 */
export const runCommand: CommandRunner = (file, args, options) =>
  new Promise((resolve) => {
    const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const stdout = new BoundedBuffer(maxBytes);
    const stderr = new BoundedBuffer(maxBytes);
    let timedOut = false;
    let settled = false;

    const child = spawn(file, [...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });

    const finish = (exitCode: number, extraErr?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      let err = stderr.text();
      if (extraErr && !err) err = extraErr;
      resolve({ stdout: stdout.text(), stderr: err, exitCode, timedOut });
    };

    let killTimer: NodeJS.Timeout | undefined;
    const terminate = (): void => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, options.timeoutMs);
    const onAbort = (): void => terminate();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err) => finish(-1, `${file}: ${err.message}`));
    child.on('close', (code, signal) => {
      if (timedOut) return finish(TIMEOUT_EXIT_CODE, `${file} timed out after ${options.timeoutMs} ms`);
      if (code === null) return finish(-1, `${file} was killed by ${signal ?? 'a signal'}`);
      finish(code);
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });

class BoundedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.max) return;
    const room = this.max - this.size;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
