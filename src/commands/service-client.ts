import { createDispatcher } from '../client/dispatcher.js';
import { ServiceClient } from '../client/service-client.js';
import type { ServiceFlags } from '../cli/options.js';
import type { Logger } from '../log/logger.js';

/**
 * A client for the service the flags name. Registration speaks for this binary's --agent-version;
 * the runner for the infra-env and agent version the service handed back, so both are explicit.
 */
export function serviceClientFor(flags: ServiceFlags, session: { infraEnvId: string; agentVersion: string }, log: Logger): ServiceClient {
  return new ServiceClient({
    url: flags.url,
    infraEnvId: session.infraEnvId,
    agentVersion: session.agentVersion,
    token: flags.token,
    dispatcher: createDispatcher({ insecure: flags.insecure, cacertPath: flags.cacertPath }),
    log,
  });
}
