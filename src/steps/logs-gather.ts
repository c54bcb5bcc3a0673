/**
 * logs-gather: upstream starts a logs_sender container for it; here the same collector runs in the
 * agent's process, with the agent's URL, TLS settings and token, and its output is the reply.
 */
import { runLogsSender } from '../logs/run.js';
import { FieldChecks, singleJsonObject } from './args.js';
import type { StepModule } from './types.js';

export interface LogsGatherArgs {
  clusterId: string;
  infraEnvId: string;
  hostId: string;
  bootstrap: boolean;
  installerGather: boolean;
  masterIps: string[];
}

export function parseLogsGatherArgs(args: readonly string[]): LogsGatherArgs {
  const body = singleJsonObject(args, 'LogsGatherCmdRequest');
  const checks = new FieldChecks();
  const clusterId = checks.uuid(body, 'cluster_id', { required: true });
  const infraEnvId = checks.uuid(body, 'infra_env_id', { required: true });
  const hostId = checks.uuid(body, 'host_id', { required: true });
  const bootstrap = checks.boolean(body, 'bootstrap', { required: true });
  const installerGather = checks.boolean(body, 'installer_gather', { required: true });
  const masterIps = checks.stringArray(body, 'master_ips') ?? [];
  checks.done();
  return {
    clusterId: clusterId as string,
    infraEnvId: infraEnvId as string,
    hostId: hostId as string,
    bootstrap: bootstrap as boolean,
    installerGather: installerGather as boolean,
    masterIps,
  };
}

const logsGather: StepModule<LogsGatherArgs> = {
  type: 'logs-gather',
  // upstream wraps its logs_sender container in `timeout 1h`.
  timeoutMs: 60 * 60_000,
  parseArgs: parseLogsGatherArgs,
  async run(args, ctx) {
    const outcome = await runLogsSender(
      {
        url: ctx.agent.url,
        clusterId: args.clusterId,
        hostId: args.hostId,
        infraEnvId: args.infraEnvId,
        token: ctx.agent.token,
        dontClean: false,
        bootstrap: args.bootstrap,
        installerGather: args.installerGather,
        mastersIps: args.masterIps,
        insecure: ctx.agent.insecure,
        cacertPath: ctx.agent.cacertPath,
      },
      { log: ctx.log, signal: ctx.signal, run: ctx.run },
    );
    return outcome;
  },
};

export default logsGather;
