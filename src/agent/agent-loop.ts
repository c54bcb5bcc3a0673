import { existsSync } from 'node:fs';
import type { ServiceClient } from '../client/service-client.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { decodeNextStepCmdRequest } from '../protocol/decode.js';
import type { NextStepCmdRequest } from '../protocol/models.js';
import { clampDelay, DELAY_BOUNDS } from '../client/limits.js';
import { sleep } from '../util/sleep.js';
import { freeze } from './freeze.js';
import { registerUntilAnswered } from './registration.js';
import type { RunnerOutcome } from './step-runner.js';

/** How long upstream waits after an unusable answer when the service gives no retry_seconds. */
export const DEFAULT_RETRY_DELAY_S = 3600;

export interface AgentLoopOptions {
  client: ServiceClient;
  hostId: string;
  infraEnvId: string;
  intervalSeconds: number;
  log: Logger;
  /** Prints a final word where an operator will see it even with logging off. */
  report: (message: string) => void;
  /** Runs the next-step runner in this process for the host and agent version the service returned. */
  runRunner: (request: NextStepCmdRequest) => Promise<RunnerOutcome>;
  signal?: AbortSignal;
  /** Dry-run: once this file exists a fake reboot happened and the agent ends. */
  fakeRebootMarkerPath?: string;
}

/**
 * register → run the next-step runner in this process → register again when it ends. Refusals
 * (401/403/404/409, and a deleted host while polling) freeze the agent, as upstream.
 */
export async function runAgentLoop(options: AgentLoopOptions): Promise<void> {
  const { log, signal } = options;
  while (!signal?.aborted) {
    const registration = await registerUntilAnswered(options);
    if (registration.kind === 'stopped') return;
    if (registration.kind === 'refused') {
      options.report(registration.message);
      log.error(registration.message);
      await freeze(signal);
      return;
    }
    const command = registration.response.next_step_runner_command;
    if (!command) {
      log.error(`Incompatible server version: the registration answer has no next_step_runner_command; registering again in ${DEFAULT_RETRY_DELAY_S} s`);
      await wait(DEFAULT_RETRY_DELAY_S, signal);
      continue;
    }
    // Upstream waits an hour when retry_seconds is missing, zero or negative.
    const given = typeof command.retry_seconds === 'number' && command.retry_seconds <= 0 ? undefined : command.retry_seconds;
    const retry = clampDelay(given, DELAY_BOUNDS.retry, DEFAULT_RETRY_DELAY_S);
    if (retry.note) log.warn(`retry_seconds from the service: ${retry.note}`);
    const retryDelay = retry.seconds;
    let request: NextStepCmdRequest;
    try {
      request = decodeNextStepCmdRequest(command.args);
    } catch (err) {
      log.error(`The service sent an unusable next step runner command (${errorMessage(err)}); registering again in ${retryDelay} s`);
      await wait(retryDelay, signal);
      continue;
    }

    let outcome: RunnerOutcome;
    try {
      outcome = await options.runRunner(request);
    } catch (err) {
      log.error(`Next step runner failed: ${errorMessage(err)}; registering again in ${retryDelay} s`);
      await wait(retryDelay, signal);
      continue;
    }
    if (outcome.kind === 'host-not-found') {
      options.report(outcome.message);
      log.error(outcome.message);
      await freeze(signal);
      return;
    }
    if (outcome.kind === 'stopped') return;
    log.info(`Next step runner exited (${outcome.kind}), going to re-register host`);
    if (options.fakeRebootMarkerPath && existsSync(options.fakeRebootMarkerPath)) {
      log.info('Dry run: the fake reboot marker exists, the agent ends');
      return;
    }
  }
}

async function wait(seconds: number, signal?: AbortSignal): Promise<void> {
  await sleep(seconds * 1000, signal).catch(() => undefined);
}
