import { agentEnvironment, agentUnit, FETCH_AGENT_SCRIPT } from './agent-unit.js';
import { HOST_PATHS, type DiscoveryContext } from './context.js';

/** A file the discovery configuration writes on the host. */
export interface HostFile {
  path: string;
  /** Permission bits, e.g. 0o600. */
  mode: number;
  contents: string;
}

/**
 * The files both Ignition and cloud-init write (each adds its own way of installing the unit and
 * the trust anchor): the token's environment file (0600), the service's CA, the fetch step.
 */
export function hostFiles(ctx: DiscoveryContext): HostFile[] {
  const files: HostFile[] = [{ path: HOST_PATHS.environment, mode: 0o600, contents: agentEnvironment(ctx) }];
  if (ctx.serviceCaPem) files.push({ path: HOST_PATHS.serviceCa, mode: 0o644, contents: ctx.serviceCaPem });
  if (ctx.delivery.kind === 'binary') files.push({ path: HOST_PATHS.fetchAgent, mode: 0o755, contents: FETCH_AGENT_SCRIPT });
  return files;
}

export function unitFile(ctx: DiscoveryContext): HostFile {
  return { path: HOST_PATHS.unit, mode: 0o644, contents: agentUnit(ctx) };
}
