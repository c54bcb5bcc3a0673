/** The `step-type` enum of the upstream swagger, in its order. */
export const STEP_TYPES = [
  'connectivity-check',
  'execute',
  'inventory',
  'install',
  'free-network-addresses',
  'dhcp-lease-allocate',
  'api-vip-connectivity-check',
  'tang-connectivity-check',
  'ntp-synchronizer',
  'installation-disk-speed-check',
  'container-image-availability',
  'domain-resolution',
  'stop-installation',
  'logs-gather',
  'next-step-runner',
  'upgrade-agent',
  'download-boot-artifacts',
  'reboot-for-reclaim',
  'verify-vips',
] as const;

export type StepType = (typeof STEP_TYPES)[number];

export function isStepType(value: string): value is StepType {
  return (STEP_TYPES as readonly string[]).includes(value);
}
