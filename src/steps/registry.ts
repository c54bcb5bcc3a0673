import type { StepType } from '../protocol/step-types.js';
import type { StepModule } from './types.js';
import apiVipConnectivityCheck from './api-vip-connectivity-check.js';
import connectivityCheck from './connectivity-check.js';
import containerImageAvailability from './container-image-availability.js';
import dhcpLeaseAllocate from './dhcp-lease-allocate.js';
import domainResolution from './domain-resolution.js';
import downloadBootArtifacts from './download-boot-artifacts.js';
import execute from './execute.js';
import freeNetworkAddresses from './free-network-addresses.js';
import install from './install.js';
import installationDiskSpeedCheck from './installation-disk-speed-check.js';
import inventory from './inventory.js';
import logsGather from './logs-gather.js';
import nextStepRunner from './next-step-runner.js';
import ntpSynchronizer from './ntp-synchronizer.js';
import rebootForReclaim from './reboot-for-reclaim.js';
import stopInstallation from './stop-installation.js';
import tangConnectivityCheck from './tang-connectivity-check.js';
import upgradeAgent from './upgrade-agent.js';
import verifyVips from './verify-vips.js';

export type StepRegistry = ReadonlyMap<string, StepModule<unknown>>;

const modules: StepModule<any>[] = [
  connectivityCheck,
  execute,
  inventory,
  install,
  freeNetworkAddresses,
  dhcpLeaseAllocate,
  apiVipConnectivityCheck,
  tangConnectivityCheck,
  ntpSynchronizer,
  installationDiskSpeedCheck,
  containerImageAvailability,
  domainResolution,
  stopInstallation,
  logsGather,
  nextStepRunner,
  upgradeAgent,
  downloadBootArtifacts,
  rebootForReclaim,
  verifyVips,
];

/** Every upstream step type, keyed by its wire name. */
export const STEP_REGISTRY: StepRegistry = new Map(modules.map((m) => [m.type, m]));

export function stepModule(type: StepType): StepModule<unknown> {
  const found = STEP_REGISTRY.get(type);
  if (!found) throw new Error(`no module for step type ${type}`);
  return found;
}
