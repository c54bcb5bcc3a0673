import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { ApiError } from '../client/api-error.js';
import type { ServiceClient } from '../client/service-client.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Step } from '../protocol/models.js';
import type { StepResult } from '../steps/types.js';
import { clampDelay, DELAY_BOUNDS } from '../client/limits.js';
import { sleep } from '../util/sleep.js';
import { Backoff, NEXT_STEPS_BACKOFF, type BackoffPolicy } from './backoff.js';
import { toStepReply } from './dispatcher.js';
import { MEDIA_DISCONNECTED_EXIT_CODE } from './media-check.js';
import { ReplyCache } from './reply-cache.js';

/** Steps running at once; past this, new ones are answered "busy" instead of started. */
export const MAX_STEPS_IN_FLIGHT = 32;

/** Why the runner stopped. Every outcome but "host-not-found" sends the agent back to registration. */
export type RunnerOutcome =
  | { kind: 'exit-requested' }
  | { kind: 'gave-up'; lastError: string }
  | { kind: 're-register'; reason: string }
  | { kind: 'host-not-found'; message: string }
  /** 401 on a poll: the token was rotated or revoked. Registration then decides (and says why). */
  | { kind: 'token-refused'; reason: string }
  | { kind: 'stopped' };

export interface StepRunnerOptions {
  client: ServiceClient;
  hostId: string;
  infraEnvId: string;
  log: Logger;
  /** Runs one instruction; never throws. */
  execute: (step: Step, signal: AbortSignal) => Promise<StepResult>;
  /** Checks the boot media; returns a diagnosis when it is gone. */
  diagnoseMedia?: () => Promise<string | undefined>;
  signal?: AbortSignal;
  backoff?: BackoffPolicy;
  cache?: ReplyCache;
  /** Seconds between polls when the service does not say (upstream always says). */
  defaultIntervalSeconds?: number;
  /** The range next_instruction_seconds is held to; DELAY_BOUNDS.nextInstruction unless a test needs sub-second rounds. */
  intervalBounds?: { min: number; max: number };
}

/**
 * The next-step loop: poll, start every instruction at once without waiting for it, post one reply
 * per step, wait next_instruction_seconds, repeat. Polling failures back off and, after 15 minutes,
 * hand the host back to registration; a 404 means the host was deleted and polling stops for good.
 */
export class StepRunner {
  private readonly cache: ReplyCache;
  /** Everything still to finish: steps and the replies being posted. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Steps being executed (a "busy" answer is not one). */
  private readonly running = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private reRegisterReason: string | undefined;

  constructor(private readonly options: StepRunnerOptions) {
    this.cache = options.cache ?? new ReplyCache();
    // Every running step listens on the stop signal (to be cancelled with the runner), as do the
    // poll and the wait between polls: up to MAX_STEPS_IN_FLIGHT + 2 at once, by design. Node
    // warns of a leak past 10; the limit is the bound, so a real leak would still be reported.
    setMaxListeners(MAX_STEPS_IN_FLIGHT + 4, this.stop.signal);
    options.signal?.addEventListener('abort', () => this.stop.abort(options.signal?.reason), { once: true });
  }

  /** Steps still running, for a caller that wants to let them post their replies before exiting. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async run(): Promise<RunnerOutcome> {
    const { client, hostId, log } = this.options;
    const backoff = new Backoff(this.options.backoff ?? NEXT_STEPS_BACKOFF);
    const signal = this.stop.signal;
    while (!signal.aborted) {
      const requestId = randomUUID();
      let steps;
      try {
        steps = await client.nextSteps(hostId, Date.now() / 1000, { requestId, signal });
      } catch (err) {
        if (signal.aborted) break;
        this.cache.clear();
        if (err instanceof ApiError && err.status === 404 && err.typed) {
          const message = `infra-env ${this.options.infraEnvId} or host ${hostId} was not found by the service (404: ${err.reason}); the host was probably deleted. Polling stops; restart the agent to register again.`;
          return { kind: 'host-not-found', message };
        }
        // Upstream backs off for up to 15 minutes here; a 401 in the service's own error body
        // does not pass by waiting (a rotated token), so go back to registration at once: it
        // either succeeds or stops with the reason.
        if (err instanceof ApiError && err.status === 401 && err.typed) {
          log.warn(`The service refused the agent token while polling (401: ${err.reason}); registering again`, { request_id: requestId });
          return { kind: 'token-refused', reason: err.reason };
        }
        const delay = backoff.next();
        if (delay === undefined) {
          log.warn('Step processing keeps failing, giving up and registering again', { error: errorMessage(err) });
          return { kind: 'gave-up', lastError: errorMessage(err) };
        }
        log.warn(`Step processing failed, will try again in ${(delay / 1000).toFixed(1)} s`, {
          request_id: requestId,
          error: errorMessage(err),
        });
        await sleep(delay, signal).catch(() => undefined);
        continue;
      }
      backoff.reset();
      for (const step of steps.instructions) this.start(step, requestId);

      const interval = clampDelay(steps.next_instruction_seconds, this.options.intervalBounds ?? DELAY_BOUNDS.nextInstruction, this.options.defaultIntervalSeconds ?? 60);
      if (interval.note) log.warn(`next_instruction_seconds from the service: ${interval.note}`, { request_id: requestId });
      await sleep(interval.seconds * 1000, signal).catch(() => undefined);
      if (this.reRegisterReason !== undefined) return { kind: 're-register', reason: this.reRegisterReason };
      if (signal.aborted) break;
      if (steps.post_step_action === 'exit') {
        log.info('Service asked the runner to exit after this round; registering again');
        return { kind: 'exit-requested' };
      }
    }
    if (this.reRegisterReason !== undefined) return { kind: 're-register', reason: this.reRegisterReason };
    return { kind: 'stopped' };
  }

  private start(step: Step, requestId: string): void {
    // Steps run concurrently and some take half an hour: a service that hands out steps faster than
    // they end must not grow the number of processes without bound.
    if (this.running.size >= MAX_STEPS_IN_FLIGHT) {
      this.options.log.warn(`Not running step ${step.step_id} (${step.step_type}): ${this.running.size} steps are still running`, { request_id: requestId });
      const busy: StepResult = { exitCode: -1, output: '', error: `the agent is still running ${this.running.size} steps; ${step.step_type} was not started` };
      const task = this.post(step, busy, requestId);
      this.inFlight.add(task);
      void task.finally(() => this.inFlight.delete(task));
      return;
    }
    const task = this.handle(step, requestId).catch((err: unknown) => {
      this.options.log.error(`Step ${step.step_id} crashed the runner's bookkeeping`, { error: errorMessage(err) });
    });
    this.inFlight.add(task);
    this.running.add(task);
    void task.finally(() => {
      this.inFlight.delete(task);
      this.running.delete(task);
    });
  }

  private async handle(step: Step, requestId: string): Promise<void> {
    const { log } = this.options;
    log.info(`Running step ${step.step_id} (${step.step_type})`, { request_id: requestId });
    const before = await this.options.diagnoseMedia?.();
    let result: StepResult = before
      ? { exitCode: MEDIA_DISCONNECTED_EXIT_CODE, output: '', error: before }
      : await this.options.execute(step, this.stop.signal);
    if (!before && result.exitCode !== 0) {
      const after = await this.options.diagnoseMedia?.();
      if (after) result = { exitCode: MEDIA_DISCONNECTED_EXIT_CODE, output: result.output, error: after };
    }
    if (result.exitCode !== 0) {
      // A fixed multi-line shape that upstream's triage tooling pattern-matches.
      log.warn(
        `Step execution failed (exit code ${result.exitCode}): ${step.step_id}, command: ${step.step_type}, args: ${JSON.stringify(step.args)}. Output:\nstdout:\n${result.output}\n\nstderr:\n${result.error}\n`,
      );
    }
    await this.post(step, result, requestId);
    if (result.reRegister && result.exitCode === 0) {
      this.reRegisterReason = `${step.step_type} succeeded`;
      this.stop.abort(new Error(this.reRegisterReason));
    }
  }

  private async post(step: Step, result: StepResult, requestId: string): Promise<void> {
    const { client, hostId, log } = this.options;
    if (result.exitCode === 0 && this.cache.isDuplicate(step.step_type, result.output)) {
      log.info(`Result for ${step.step_type} already exists in assisted service`, { step_id: step.step_id });
      return;
    }
    try {
      await client.postStepReply(hostId, toStepReply(step, result), { requestId });
      if (result.exitCode === 0) this.cache.remember(step.step_type, result.output);
    } catch (err) {
      const status = err instanceof ApiError ? err.status : undefined;
      const hint = status === 401 || status === 403 ? ' (the agent token was refused)' : '';
      log.error(`Failed to post the reply of step ${step.step_id}${hint}`, { error: errorMessage(err) });
    }
  }
}
