/** Upstream's dry-run mode: a faked identity so that many agents can run on one machine for load tests. */
export interface DryRunConfig {
  enabled: boolean;
  hostId: string;
  forcedMac: string;
  forcedHostname: string;
  forcedIpv4: string;
  fakeRebootMarkerPath: string;
}

/** Each flag's default comes from DRY_* (or DRYCONFIG_DRY_*) in the environment, as upstream's envconfig does. */
export const DRY_RUN_ENV = {
  'dry-run': 'DRY_ENABLE',
  'force-id': 'DRY_HOST_ID',
  'force-mac': 'DRY_FORCED_MAC_ADDRESS',
  'force-hostname': 'DRY_FORCED_HOSTNAME',
  'forced-ipv4': 'DRY_FORCED_HOST_IPV4',
  'fake-reboot-marker-path': 'DRY_FAKE_REBOOT_MARKER_PATH',
} as const;

export function dryRunEnv(name: keyof typeof DRY_RUN_ENV, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const variable = DRY_RUN_ENV[name];
  return env[`DRYCONFIG_${variable}`] ?? env[variable];
}

export function parseEnvBool(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

export const DRY_RUN_OFF: DryRunConfig = {
  enabled: false,
  hostId: '',
  forcedMac: '',
  forcedHostname: '',
  forcedIpv4: '',
  fakeRebootMarkerPath: '',
};
