import type { StepType } from '../protocol/step-types.js';

/**
 * The tools the one binary can be invoked as (busybox style, by sub-command or by the name of a
 * symlink), with the step type each one runs and the name of its text log, as upstream's.
 */
export interface ToolSpec {
  name: string;
  describe: string;
  logName: string;
  /** The step type whose module the tool runs; agent and next_step_runner have none. */
  stepType?: StepType;
}

export const AGENT_TOOLS: readonly ToolSpec[] = [
  { name: 'agent', describe: 'register this host and run the next-step loop in this process', logName: 'agent_registration' },
  { name: 'next_step_runner', describe: 'poll the service for steps, run them, post the replies', logName: 'agent_next_step_runner' },
];

export const STEP_TOOLS: readonly ToolSpec[] = [
  { name: 'inventory', stepType: 'inventory', describe: 'print this host\'s hardware and network inventory as JSON', logName: 'inventory' },
  { name: 'connectivity_check', stepType: 'connectivity-check', describe: 'check L2/L3 reachability of other hosts\' NICs', logName: 'connectivity-check' },
  { name: 'free_addresses', stepType: 'free-network-addresses', describe: 'list the addresses of subnets that nobody answers on', logName: 'free_addresses' },
  { name: 'dhcp_lease_allocate', stepType: 'dhcp-lease-allocate', describe: 'obtain DHCP leases for the API and ingress VIPs', logName: 'dhcp_lease_allocate' },
  { name: 'apivip_check', stepType: 'api-vip-connectivity-check', describe: 'fetch the worker ignition through the API VIP', logName: 'apivip_check' },
  { name: 'disk_speed_check', stepType: 'installation-disk-speed-check', describe: 'measure fdatasync latency of the installation disk with fio', logName: 'disk-speed-check' },
  { name: 'ntp_synchronizer', stepType: 'ntp-synchronizer', describe: 'add NTP sources to chrony and report their state', logName: 'ntp_synchronizer' },
  { name: 'domain_resolution', stepType: 'domain-resolution', describe: 'resolve domain names (A, AAAA, CNAME)', logName: 'domain_resolution' },
  { name: 'container_image_availability', stepType: 'container-image-availability', describe: 'pull container images and report their size and rate', logName: 'container_image_availability' },
  { name: 'tang_connectivity_check', stepType: 'tang-connectivity-check', describe: 'fetch /adv from tang servers', logName: 'tang_connectivity_check' },
  { name: 'verify_vips', stepType: 'verify-vips', describe: 'check whether VIP addresses are free', logName: 'verify_vips' },
  { name: 'logs_sender', stepType: 'logs-gather', describe: 'collect this host\'s logs and upload them to the service', logName: 'logs-sender' },
  { name: 'install', stepType: 'install', describe: 'run the installer for this host', logName: 'install' },
  { name: 'stop_installation', stepType: 'stop-installation', describe: 'stop a running installer', logName: 'stop_installation' },
  { name: 'upgrade_agent', stepType: 'upgrade-agent', describe: 'pull a new agent image', logName: 'upgrade_agent' },
  { name: 'download_boot_artifacts', stepType: 'download-boot-artifacts', describe: 'download discovery boot artifacts to /boot', logName: 'download_boot_artifacts' },
  { name: 'reboot_for_reclaim', stepType: 'reboot-for-reclaim', describe: 'reboot into the discovery image to reclaim the host', logName: 'reboot_for_reclaim' },
];

export const ALL_TOOLS: readonly ToolSpec[] = [...AGENT_TOOLS, ...STEP_TOOLS];

/** Names the binary answers to as itself, taking a sub-command. */
export const SELF_NAMES = new Set(['inband', 'inband.cjs', 'main.ts', 'main.js']);

export function findTool(name: string): ToolSpec | undefined {
  return ALL_TOOLS.find((tool) => tool.name === name);
}
