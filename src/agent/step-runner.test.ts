import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { HttpResponse } from 'msw';
import { StepRunner } from './step-runner.js';
import { ReplyCache } from './reply-cache.js';
import { memoryLogger } from '../log/logger.js';
import type { Step } from '../protocol/models.js';
import type { StepResult } from '../steps/types.js';
import { HOST, IE, errorAnswer, recorder, steps, testClient, until } from '../../test/support/msw-service.js';
import { swaggerErrors } from '../../test/support/swagger.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const FAST_BACKOFF = { initialMs: 5, multiplier: 1.5, randomization: 0, maxIntervalMs: 20, maxElapsedMs: 200 };

function runner(execute: (step: Step, signal: AbortSignal) => Promise<StepResult>, extra: Partial<ConstructorParameters<typeof StepRunner>[0]> = {}) {
  return new StepRunner({
    client: testClient(),
    hostId: HOST,
    infraEnvId: IE,
    log: memoryLogger(),
    execute,
    backoff: FAST_BACKOFF,
    // The unit tests run rounds back to back; the real bounds are tested below.
    intervalBounds: { min: 0, max: 3600 },
    ...extra,
  });
}

const step = (id: string, type = 'inventory', args: string[] = []): Step => ({ step_id: id, step_type: type, args });

describe('StepRunner', () => {
  it('runs every instruction, posts one reply each with upstream field rules, and exits on post_step_action exit', async () => {
    const service = recorder(server);
    service.queueSteps(
      steps({
        next_instruction_seconds: 0,
        post_step_action: 'exit',
        instructions: [step('a-1', 'inventory'), step('b-2', 'free-network-addresses'), step('c-3', 'domain-resolution')],
      }),
    );
    const results: Record<string, StepResult> = {
      'a-1': { exitCode: 0, output: '{"x":1}', error: '' },
      'b-2': { exitCode: -1, output: '', error: 'bad args' },
      'c-3': { exitCode: 2, output: 'partial', error: 'warn' },
    };
    const outcome = await runner(async (s) => results[s.step_id] as StepResult).run();
    expect(outcome).toEqual({ kind: 'exit-requested' });
    const replies = service.replies().sort((a, b) => String(a.step_id).localeCompare(String(b.step_id)));
    expect(replies).toEqual([
      { step_id: 'a-1', step_type: 'inventory', output: '{"x":1}' },
      { step_id: 'b-2', step_type: 'free-network-addresses', exit_code: -1, error: 'bad args' },
      { step_id: 'c-3', step_type: 'domain-resolution', exit_code: 2, output: 'partial', error: 'warn' },
    ]);
    for (const reply of replies) expect(swaggerErrors('step-reply', reply)).toEqual([]);
    expect(service.polls()).toHaveLength(1);
  });

  it('keeps polling while a slow step runs, and posts the slow reply when it ends', async () => {
    const service = recorder(server);
    service.queueSteps(steps({ next_instruction_seconds: 0, instructions: [step('slow-1')] }));
    service.setStepsDefault(steps({ next_instruction_seconds: 0, instructions: [] }));
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const controller = new AbortController();
    const r = runner(
      async () => {
        await slow;
        return { exitCode: 0, output: 'done', error: '' };
      },
      { signal: controller.signal },
    );
    const running = r.run();
    await until(() => service.polls().length >= 5);
    expect(service.replies()).toHaveLength(0);
    release();
    await until(() => service.replies().length === 1);
    controller.abort();
    expect(await running).toEqual({ kind: 'stopped' });
    expect(service.replies()[0]).toEqual({ step_id: 'slow-1', step_type: 'inventory', output: 'done' });
  });

  it('does not post an identical successful output twice, but posts failures and changed outputs', async () => {
    const service = recorder(server);
    const round = (id: string) => steps({ next_instruction_seconds: 0, instructions: [step(id)] });
    service.queueSteps(round('i-1'), round('i-2'), round('i-3'), round('i-4'));
    service.setStepsDefault(steps({ next_instruction_seconds: 0, post_step_action: 'exit', instructions: [] }));
    const outputs: Record<string, StepResult> = {
      'i-1': { exitCode: 0, output: 'same', error: '' },
      'i-2': { exitCode: 0, output: 'same', error: '' },
      'i-3': { exitCode: 1, output: 'same', error: 'x' },
      'i-4': { exitCode: 0, output: 'changed', error: '' },
    };
    await runner(async (s) => outputs[s.step_id] as StepResult).run();
    await until(() => service.replies().length === 3);
    expect(service.replies().map((r) => r.step_id)).toEqual(['i-1', 'i-3', 'i-4']);
  });

  it('clears the reply cache when polling fails, so the next identical output is posted again', async () => {
    const service = recorder(server);
    const round = (id: string) => steps({ next_instruction_seconds: 0, instructions: [step(id)] });
    service.queueSteps(round('i-1'), errorAnswer(500), round('i-2'));
    service.setStepsDefault(steps({ next_instruction_seconds: 0, post_step_action: 'exit', instructions: [] }));
    await runner(async () => ({ exitCode: 0, output: 'same', error: '' })).run();
    await until(() => service.replies().length === 2);
    expect(service.replies().map((r) => r.step_id)).toEqual(['i-1', 'i-2']);
  });

  it('backs off after 403 and 503, then carries on until the service says exit', async () => {
    const service = recorder(server);
    service.queueSteps(errorAnswer(403), errorAnswer(503), steps({ next_instruction_seconds: 0, post_step_action: 'exit', instructions: [] }));
    const log = memoryLogger();
    const outcome = await runner(async () => ({ exitCode: 0, output: '', error: '' }), { log }).run();
    expect(outcome).toEqual({ kind: 'exit-requested' });
    expect(service.polls()).toHaveLength(3);
    expect(log.lines.filter((l) => l.message.startsWith('Step processing failed, will try again in'))).toHaveLength(2);
  });

  it('hands a 401 straight back to registration (a rotated token does not pass by waiting)', async () => {
    const service = recorder(server);
    service.queueSteps(errorAnswer(401, 'X-Secret-Key is not the agent token; the agent token was rotated at 2026-01-01T00:00:00.000Z'));
    const log = memoryLogger();
    const outcome = await runner(async () => ({ exitCode: 0, output: '', error: '' }), { log }).run();
    expect(outcome).toEqual({ kind: 'token-refused', reason: 'X-Secret-Key is not the agent token; the agent token was rotated at 2026-01-01T00:00:00.000Z' });
    expect(service.polls()).toHaveLength(1);
    expect(log.lines.some((l) => l.message.startsWith('The service refused the agent token while polling (401'))).toBe(true);
  });

  it('backs off after a 401 that is not the service speaking (a proxy\'s plain-text page)', async () => {
    const service = recorder(server);
    service.queueSteps(
      () => new HttpResponse('Unauthorized', { status: 401, headers: { 'Content-Type': 'text/plain' } }),
      steps({ next_instruction_seconds: 0, post_step_action: 'exit', instructions: [] }),
    );
    const outcome = await runner(async () => ({ exitCode: 0, output: '', error: '' })).run();
    expect(outcome).toEqual({ kind: 'exit-requested' });
    expect(service.polls()).toHaveLength(2);
  });

  it('gives up when failures outlast the backoff budget', async () => {
    const service = recorder(server);
    service.setStepsDefault(errorAnswer(500, 'db down'));
    const outcome = await runner(async () => ({ exitCode: 0, output: '', error: '' })).run();
    expect(outcome.kind).toBe('gave-up');
    expect(outcome.kind === 'gave-up' && outcome.lastError).toBe('get next steps: service answered 500: db down');
    expect(service.polls().length).toBeGreaterThan(3);
  });

  it('stops polling on a 404 and says why', async () => {
    const service = recorder(server);
    service.queueSteps(errorAnswer(404, 'host not found'));
    const outcome = await runner(async () => ({ exitCode: 0, output: '', error: '' })).run();
    expect(outcome.kind).toBe('host-not-found');
    expect(outcome.kind === 'host-not-found' && outcome.message).toContain(`host ${HOST} was not found by the service (404: host not found)`);
    expect(service.polls()).toHaveLength(1);
  });

  it('ends the round and re-registers after a step asks for it (upgrade-agent success)', async () => {
    const service = recorder(server);
    service.setStepsDefault(steps({ next_instruction_seconds: 5, instructions: [step('u-1', 'upgrade-agent')] }));
    const started = Date.now();
    const outcome = await runner(async () => ({ exitCode: 0, output: '{"result":"success"}', error: '', reRegister: true })).run();
    expect(outcome).toEqual({ kind: 're-register', reason: 'upgrade-agent succeeded' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(service.replies()).toHaveLength(1);
  });

  it('replaces a failed step\'s reply with exit code 256 when the boot media is gone', async () => {
    const service = recorder(server);
    service.queueSteps(steps({ next_instruction_seconds: 0, post_step_action: 'exit', instructions: [step('m-1')] }));
    let checks = 0;
    await runner(async () => ({ exitCode: 1, output: '', error: 'io error' }), {
      diagnoseMedia: async () => (++checks > 1 ? 'cannot read from the media (ISO) - media was likely disconnected: EIO' : undefined),
    }).run();
    await until(() => service.replies().length === 1);
    expect(service.replies()[0]).toEqual({
      step_id: 'm-1',
      step_type: 'inventory',
      exit_code: 256,
      error: 'cannot read from the media (ISO) - media was likely disconnected: EIO',
    });
  });
});

describe('ReplyCache', () => {
  it('forgets an output after its time to live', () => {
    let now = 0;
    const cache = new ReplyCache(1000, () => now);
    cache.remember('inventory', 'x');
    expect(cache.isDuplicate('inventory', 'x')).toBe(true);
    expect(cache.isDuplicate('inventory', 'y')).toBe(false);
    expect(cache.isDuplicate('connectivity-check', 'x')).toBe(false);
    now = 1001;
    expect(cache.isDuplicate('inventory', 'x')).toBe(false);
  });

});

describe('StepRunner bounds', () => {
  /** Runs a runner with the real bounds against a service that always asks for `seconds`, for `ms`. */
  async function pollsFor(seconds: number, ms: number) {
    const service = recorder(server);
    service.setStepsDefault(steps({ next_instruction_seconds: seconds, instructions: [] }));
    const log = memoryLogger();
    const stop = new AbortController();
    const running = runner(async () => ({ exitCode: 0, output: '', error: '' }), { intervalBounds: undefined, log, signal: stop.signal }).run();
    await new Promise((resolve) => setTimeout(resolve, ms));
    stop.abort();
    await running;
    server.resetHandlers();
    return { polls: service.polls().length, warnings: log.lines.filter((l) => l.level === 'warn').map((l) => l.message) };
  }

  it('holds next_instruction_seconds of 0, -1 and 1e12 to its bounds, with a log line, instead of spinning or overflowing', async () => {
    for (const seconds of [0, -1]) {
      const { polls, warnings } = await pollsFor(seconds, 2_500);
      // One poll a second at most: 3 in 2.5 s, where an unclamped 0 gave hundreds.
      expect(polls, `next_instruction_seconds ${seconds}`).toBeLessThanOrEqual(3);
      expect(warnings.some((w) => w.includes('is below the 1 s minimum'))).toBe(true);
    }
    // 1e12 s overflowed Node's timer into a poll every millisecond; held to an hour, one poll.
    const { polls, warnings } = await pollsFor(1e12, 1_000);
    expect(polls).toBe(1);
    expect(warnings.some((w) => w.includes('1000000000000 s is above the 3600 s maximum'))).toBe(true);
  });

  it('answers steps "busy" instead of starting them once 32 are running', async () => {
    const service = recorder(server);
    const many = Array.from({ length: 40 }, (_, i) => step(`s-${i}`, 'inventory'));
    service.queueSteps(steps({ next_instruction_seconds: 0, post_step_action: 'exit', instructions: many }));
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const r = runner(async () => {
      started += 1;
      await held;
      return { exitCode: 0, output: 'x', error: '' };
    });
    await r.run();
    await until(() => service.replies().length >= 8);
    expect(started).toBe(32);
    const busy = service.replies().filter((reply) => String(reply.error ?? '').startsWith('the agent is still running 32 steps'));
    expect(busy).toHaveLength(8);
    release();
    await r.drain();
  });

  it('32 running steps listening on the stop signal, as dispatchStep does, are no leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const service = recorder(server);
      service.queueSteps(steps({ next_instruction_seconds: 0, post_step_action: 'exit', instructions: Array.from({ length: 40 }, (_, i) => step(`s-${i}`, 'inventory')) }));
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const r = runner(async (_step, signal) => {
        const onAbort = (): void => undefined;
        signal.addEventListener('abort', onAbort, { once: true });
        await held;
        signal.removeEventListener('abort', onAbort);
        return { exitCode: 0, output: 'x', error: '' };
      });
      await r.run();
      await until(() => service.replies().length >= 8);
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      await r.drain();
      expect(warnings.filter((w) => /MaxListenersExceededWarning/.test(w))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

