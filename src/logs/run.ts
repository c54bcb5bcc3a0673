/**
 * logs_sender's outcome in upstream's words, for the command (stdout/stderr, exit code) and the
 * logs-gather step (the reply): "Logs were sent" and the report, or "Failed to run send logs …".
 */
import { createDispatcher } from '../client/dispatcher.js';
import { ServiceClient } from '../client/service-client.js';
import { runCommand, type CommandRunner } from '../host/command-runner.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../errors.js';
import { sendLogs } from './send.js';

export interface LogsSenderRequest {
  url: string;
  clusterId: string;
  hostId: string;
  infraEnvId: string;
  token: string;
  since?: string;
  dontClean: boolean;
  bootstrap: boolean;
  installerGather: boolean;
  mastersIps: string[];
  insecure: boolean;
  cacertPath?: string;
  maxSizeBytes?: number;
}

export interface LogsSenderOutcome {
  exitCode: number;
  output: string;
  error: string;
}

export async function runLogsSender(
  request: LogsSenderRequest,
  env: { log: Logger; signal?: AbortSignal; run?: CommandRunner },
): Promise<LogsSenderOutcome> {
  try {
    const client = new ServiceClient({
      url: request.url,
      infraEnvId: request.infraEnvId,
      agentVersion: '',
      token: request.token,
      dispatcher: createDispatcher({ insecure: request.insecure, cacertPath: request.cacertPath }),
      log: env.log,
    });
    const result = await sendLogs({
      client,
      run: env.run ?? runCommand,
      log: env.log,
      clusterId: request.clusterId,
      hostId: request.hostId,
      infraEnvId: request.infraEnvId,
      since: request.since,
      bootstrap: request.bootstrap,
      installerGather: request.installerGather,
      mastersIps: request.mastersIps,
      dontClean: request.dontClean,
      maxSizeBytes: request.maxSizeBytes,
      signal: env.signal,
    });
    env.log.info(`Logs were sent (${result.archiveBytes} bytes)`);
    return { exitCode: 0, output: `Logs were sent\n${result.report}`, error: '' };
  } catch (err) {
    const message = `Failed to run send logs: ${errorMessage(err)}`;
    env.log.error(message);
    return { exitCode: -1, output: '', error: `${message}\n` };
  }
}
