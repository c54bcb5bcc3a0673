import { randomUUID } from 'node:crypto';
import { ApiError } from '../client/api-error.js';
import type { ServiceClient } from '../client/service-client.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { HostRegistrationResponse } from '../protocol/models.js';
import { sleep } from '../util/sleep.js';

export type RegistrationOutcome =
  | { kind: 'registered'; response: HostRegistrationResponse }
  /** The service will never take this host as things stand; the agent stops registering. */
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'stopped' };

/**
 * Why each refusal is final, in words an operator can act on. A 404 with a body upstream's client
 * would not decode (plain text from a mock or a misrouted proxy) is not listed: it is retried.
 */
function refusal(err: ApiError, infraEnvId: string): string | undefined {
  switch (err.status) {
    case 401:
      return `the service refused the agent token (401: ${err.reason}). The token was rotated or is wrong: put the infra-env's current agent token in PULL_SECRET_TOKEN (or fetch its discovery files again) and restart the agent. Registration stops.`;
    case 403:
      return `the service refused this host (403: ${err.reason}); the agent is not allowed to register to infra-env ${infraEnvId}. Registration stops.`;
    case 404:
      return err.typed
        ? `infra-env ${infraEnvId} does not exist, or the agent is not authorized to see it (404: ${err.reason}). Registration stops.`
        : undefined;
    case 409:
      return `the cluster cannot accept new hosts in its current state (409: ${err.reason}). Registration stops.`;
    default:
      return undefined;
  }
}

export interface RegisterOptions {
  client: ServiceClient;
  hostId: string;
  infraEnvId: string;
  /** Seconds between attempts after a failure that may pass (`--interval`). */
  intervalSeconds: number;
  log: Logger;
  signal?: AbortSignal;
}

/** Registers until the service accepts (201) or refuses for good; every other failure waits --interval and retries. */
export async function registerUntilAnswered(options: RegisterOptions): Promise<RegistrationOutcome> {
  const { client, hostId, log, signal } = options;
  while (!signal?.aborted) {
    const requestId = randomUUID();
    log.info(`Registering host ${hostId}`, { request_id: requestId });
    try {
      const response = await client.register(hostId, { requestId, signal });
      log.info(`Registered host ${hostId}`, { request_id: requestId, status: response.status ?? '' });
      return { kind: 'registered', response };
    } catch (err) {
      if (signal?.aborted) break;
      if (err instanceof ApiError) {
        const message = refusal(err, options.infraEnvId);
        if (message) return { kind: 'refused', status: err.status, message };
      }
      log.warn(`Error registering host: ${errorMessage(err)}; retrying in ${options.intervalSeconds} s`, { request_id: requestId });
      await sleep(options.intervalSeconds * 1000, signal).catch(() => undefined);
    }
  }
  return { kind: 'stopped' };
}
