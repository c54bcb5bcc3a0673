import { existsSync } from 'node:fs';
import type { DryRunConfig } from '../config/dry-run.js';
import type { Logger } from '../log/logger.js';
import { dispatchStep } from '../agent/dispatcher.js';
import { diagnoseMediaDisconnection } from '../agent/media-check.js';
import { StepRunner, type RunnerOutcome } from '../agent/step-runner.js';
import { freeze } from '../agent/freeze.js';
import { HostFs } from '../host/host-fs.js';
import { runCommand } from '../host/command-runner.js';
import { STEP_REGISTRY } from '../steps/registry.js';
import type { ServiceFlags } from '../cli/options.js';
import { hostStepContext } from './step-context.js';
import { report } from './runtime.js';
import { serviceClientFor } from './service-client.js';
import { UsageError } from '../errors.js';
import type { LldpSource } from '../inventory/lldp/collect.js';
import { startLldpSession, type LldpSettings } from '../inventory/lldp/session.js';

export interface RunnerParams {
  flags: ServiceFlags;
  hostId: string;
  infraEnvId: string;
  agentVersion: string;
  dryRun: DryRunConfig;
  log: Logger;
  signal: AbortSignal;
  /** Where the host's /sys, /proc, /dev and /etc are, for the steps and the media check. */
  hostRoot: string;
  /** Where inventories get LLDP neighbours; absent with --no-lldp. */
  lldp?: LldpSource;
}

/** One next-step runner for one host, in this process. Used by `agent` and by `next_step_runner`. */
export async function runNextStepRunner(params: RunnerParams): Promise<RunnerOutcome> {
  const { flags, log } = params;
  const client = serviceClientFor(flags, params, log);
  const agent = { ...flags, hostId: params.hostId, infraEnvId: params.infraEnvId, agentVersion: params.agentVersion };
  const context = hostStepContext({ agent, dryRun: params.dryRun, log, hostRoot: params.hostRoot, lldp: params.lldp });
  const hostFs = new HostFs(params.hostRoot);

  const stopOnMarker = new AbortController();
  const markerPath = params.dryRun.enabled ? params.dryRun.fakeRebootMarkerPath : '';
  const markerTimer = markerPath
    ? setInterval(() => existsSync(markerPath) && stopOnMarker.abort(new Error('fake reboot')), 1000)
    : undefined;
  const signal = AbortSignal.any([params.signal, stopOnMarker.signal]);

  const runner = new StepRunner({
    client,
    hostId: params.hostId,
    infraEnvId: params.infraEnvId,
    log,
    signal,
    execute: (step, stepSignal) => dispatchStep(step, { registry: STEP_REGISTRY, context, signal: stepSignal }),
    diagnoseMedia: () => diagnoseMediaDisconnection(hostFs, runCommand),
  });
  log.info(`Next step runner polling for host ${params.hostId} of infra-env ${params.infraEnvId}`);
  try {
    return await runner.run();
  } finally {
    clearInterval(markerTimer);
  }
}

/** `inband next_step_runner`: the runner alone, for a host that is already registered. */
export async function nextStepRunnerCommand(
  flags: ServiceFlags,
  dryRun: DryRunConfig,
  log: Logger,
  signal: AbortSignal,
  hostRoot: string,
  lldpSettings: LldpSettings,
): Promise<number> {
  const hostId = dryRun.enabled && dryRun.hostId ? dryRun.hostId : flags.hostId;
  if (!hostId) throw new UsageError('--host-id must be provided: the host ID the service registered this host as');
  if (!flags.token) log.warn('Agent Authentication Token not set');
  const lldp = await startAgentLldp(lldpSettings, hostRoot, dryRun, log);
  try {
    const outcome = await runNextStepRunner({
      flags,
      hostId,
      infraEnvId: flags.infraEnvId,
      agentVersion: flags.agentVersion,
      dryRun,
      log,
      signal,
      hostRoot,
      lldp: lldp?.source,
    });
    if (outcome.kind === 'host-not-found') {
      report(outcome.message);
      log.error(outcome.message);
      await freeze(signal);
    }
  } finally {
    await lldp?.stop();
  }
  return 0;
}

/**
 * The agent listens for LLDP from its start, so the first inventory already has neighbours.
 * Dry-run agents (hundreds on one machine in a load test) ask lldpd only.
 */
export function startAgentLldp(settings: LldpSettings, hostRoot: string, dryRun: DryRunConfig, log: Logger) {
  return startLldpSession({ settings, hostRoot, log, listen: !dryRun.enabled, waitMs: 0 });
}
