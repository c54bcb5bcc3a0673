import type { DryRunConfig } from '../config/dry-run.js';
import type { Logger } from '../log/logger.js';
import { runAgentLoop } from '../agent/agent-loop.js';
import { HostFs } from '../host/host-fs.js';
import { computeHostId } from '../inventory/host-id.js';
import type { ServiceFlags } from '../cli/options.js';
import type { LldpSource } from '../inventory/lldp/collect.js';
import type { LldpSettings } from '../inventory/lldp/session.js';
import { runNextStepRunner, startAgentLldp } from './next-step-runner.js';
import { report } from './runtime.js';
import { serviceClientFor } from './service-client.js';

/** `inband agent`: register, then run the next-step runner in this process, for ever. */
export async function agentCommand(
  flags: ServiceFlags,
  dryRun: DryRunConfig,
  log: Logger,
  signal: AbortSignal,
  hostRoot: string,
  lldpSettings: LldpSettings,
): Promise<number> {
  if (!flags.token) log.warn('Agent Authentication Token not set');
  const lldp = await startAgentLldp(lldpSettings, hostRoot, dryRun, log);
  try {
    await registerAndRun(flags, dryRun, log, signal, hostRoot, lldp?.source);
  } finally {
    await lldp?.stop();
  }
  return 0;
}

async function registerAndRun(
  flags: ServiceFlags,
  dryRun: DryRunConfig,
  log: Logger,
  signal: AbortSignal,
  hostRoot: string,
  lldp: LldpSource | undefined,
): Promise<void> {
  const hostId = dryRun.enabled && dryRun.hostId ? dryRun.hostId : await hardwareHostId(hostRoot, log);
  const client = serviceClientFor(flags, flags, log);
  await runAgentLoop({
    client,
    hostId,
    infraEnvId: flags.infraEnvId,
    intervalSeconds: flags.intervalSeconds,
    log,
    report,
    signal,
    fakeRebootMarkerPath: dryRun.enabled ? dryRun.fakeRebootMarkerPath : undefined,
    // The service's answer decides the host ID and agent version used from here on (upgrades, ID overrides).
    runRunner: (request) =>
      runNextStepRunner({
        flags,
        hostId: request.host_id,
        infraEnvId: request.infra_env_id,
        agentVersion: request.agent_version,
        dryRun,
        log,
        signal,
        hostRoot,
        lldp,
      }),
  });
}

async function hardwareHostId(hostRoot: string, log: Logger): Promise<string> {
  const { id, source } = await computeHostId(new HostFs(hostRoot));
  log.info(`Host ID ${id} (from ${source})`);
  return id;
}
