import { describe, expect, it } from 'vitest';
import { runCommand } from './command-runner.js';

describe('runCommand', () => {
  it('passes arguments as a vector, never through a shell', async () => {
    const result = await runCommand('printf', ['%s|', 'a b', '$(id)', ';echo x'], { timeoutMs: 5000 });
    expect(result).toEqual({ stdout: 'a b|$(id)|;echo x|', stderr: '', exitCode: 0, timedOut: false });
  });

  it('reports the exit code and stderr of a failing command', async () => {
    const result = await runCommand('ls', ['/definitely/not/here'], { timeoutMs: 5000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/No such file or directory/);
  });

  it('kills a command at its timeout and answers 124', async () => {
    const started = Date.now();
    const result = await runCommand('sleep', ['30'], { timeoutMs: 100 });
    expect(result.exitCode).toBe(124);
    expect(result.timedOut).toBe(true);
    expect(result.stderr).toBe('sleep timed out after 100 ms');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('answers -1 with the reason when the program does not exist', async () => {
    const result = await runCommand('no-such-program-inband', [], { timeoutMs: 1000 });
    expect(result.exitCode).toBe(-1);
    expect(result.stderr).toMatch(/^no-such-program-inband: spawn no-such-program-inband ENOENT/);
  });

  it('feeds stdin and bounds the output it keeps', async () => {
    expect((await runCommand('cat', [], { timeoutMs: 5000, input: 'hello' })).stdout).toBe('hello');
    const big = await runCommand('head', ['-c', '100000', '/dev/zero'], { timeoutMs: 5000, maxOutputBytes: 1000 });
    expect(big.stdout).toHaveLength(1000);
  });

  it('stops on abort', async () => {
    const controller = new AbortController();
    const running = runCommand('sleep', ['30'], { timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const result = await running;
    expect(result.exitCode).toBe(-1);
    expect(result.stderr).toBe('sleep was killed by SIGTERM');
  });
});
