import type { Argv, Options } from 'yargs';
import { DRY_RUN_ENV, dryRunEnv, parseEnvBool, type DryRunConfig } from '../config/dry-run.js';
import { UsageError } from '../errors.js';
import { isMac, isUuid } from '../protocol/formats.js';

/** Upstream's logging flags. Journald is on by default, the text file and stdout are off. */
export function loggingOptions(defaults: { journal: boolean; text: boolean } = { journal: true, text: false }): Record<string, Options> {
  return {
    'with-journal-logging': { type: 'boolean', default: defaults.journal, describe: 'log to journald (through systemd-cat)' },
    'with-text-logging': { type: 'boolean', default: defaults.text, describe: 'log to /var/log/<tool>.log' },
    'with-stdout-logging': { type: 'boolean', default: false, describe: 'log to stdout' },
  };
}

export function dryRunOptions(env: NodeJS.ProcessEnv = process.env): Record<string, Options> {
  const text = (name: keyof typeof DRY_RUN_ENV, describe: string): Options => ({
    type: 'string',
    default: dryRunEnv(name, env) ?? '',
    describe: `${describe} [env ${DRY_RUN_ENV[name]}]`,
  });
  return {
    'dry-run': { type: 'boolean', default: parseEnvBool(dryRunEnv('dry-run', env)), describe: `fake mode for load tests [env ${DRY_RUN_ENV['dry-run']}]` },
    'force-id': text('force-id', 'host ID to use instead of the one computed from the hardware'),
    'force-mac': text('force-mac', 'MAC address for the first NIC with IPv4'),
    'force-hostname': text('force-hostname', 'hostname to report'),
    'forced-ipv4': text('forced-ipv4', 'replaces the first IPv4 address of that NIC'),
    'fake-reboot-marker-path': text('fake-reboot-marker-path', 'when this file exists, a fake reboot happened'),
  };
}

/** The flags agent and next_step_runner share, with upstream's names and defaults. */
export function serviceOptions(): Record<string, Options> {
  return {
    url: { type: 'string', default: '', describe: 'service URL, scheme://host[:port]; /api/assisted-install is appended' },
    'infra-env-id': { type: 'string', default: '', describe: 'infra-env the host registers to' },
    'host-id': { type: 'string', default: '', describe: 'host ID used in URLs (next_step_runner)' },
    'agent-version': { type: 'string', default: '', describe: 'agent image reference sent as discovery_agent_version' },
    interval: { type: 'number', default: 60, describe: 'seconds between registration attempts after a failure' },
    insecure: { type: 'boolean', default: false, describe: 'do not verify the service\'s TLS certificate' },
    cacert: { type: 'string', default: '', describe: 'PEM file of CAs trusted in addition to the system ones' },
  };
}

export function withOptions<T>(yargs: Argv<T>, ...groups: Record<string, Options>[]): Argv<T> {
  let result = yargs;
  for (const group of groups) result = result.options(group) as Argv<T>;
  return result;
}

export interface ParsedArgs {
  [key: string]: unknown;
}

export function dryRunConfig(argv: ParsedArgs): DryRunConfig {
  const config: DryRunConfig = {
    enabled: argv['dry-run'] === true,
    hostId: String(argv['force-id'] ?? ''),
    forcedMac: String(argv['force-mac'] ?? ''),
    forcedHostname: String(argv['force-hostname'] ?? ''),
    forcedIpv4: String(argv['forced-ipv4'] ?? ''),
    fakeRebootMarkerPath: String(argv['fake-reboot-marker-path'] ?? ''),
  };
  if (config.hostId && !isUuid(config.hostId)) throw new UsageError(`--force-id ${JSON.stringify(config.hostId)} is not a UUID`);
  if (config.forcedMac && !isMac(config.forcedMac)) throw new UsageError(`--force-mac ${JSON.stringify(config.forcedMac)} is not a MAC address`);
  return config;
}

export interface ServiceFlags {
  url: string;
  infraEnvId: string;
  hostId: string;
  agentVersion: string;
  intervalSeconds: number;
  insecure: boolean;
  cacertPath?: string;
  token: string;
}

/** Checks the service flags; each missing or malformed value gets its own message. */
export function serviceFlags(argv: ParsedArgs, env: NodeJS.ProcessEnv = process.env): ServiceFlags {
  const url = String(argv.url ?? '').trim();
  if (!url) throw new UsageError('Must provide a target URL: --url scheme://host[:port] of the Assisted Installer Service');
  if (!/^https?:\/\/[^/\s]+/i.test(url)) {
    throw new UsageError(`--url ${JSON.stringify(url)} is not an http(s) URL; expected scheme://host[:port], e.g. http://192.0.2.10:8090`);
  }
  const infraEnvId = String(argv['infra-env-id'] ?? '').trim();
  if (!infraEnvId) throw new UsageError('infra-env-id must be provided: --infra-env-id <uuid>');
  if (!isUuid(infraEnvId)) throw new UsageError(`--infra-env-id ${JSON.stringify(infraEnvId)} is not a UUID`);
  const hostId = String(argv['host-id'] ?? '').trim();
  if (hostId && !isUuid(hostId)) throw new UsageError(`--host-id ${JSON.stringify(hostId)} is not a UUID`);
  const interval = Number(argv.interval);
  if (!Number.isFinite(interval) || interval <= 0) throw new UsageError(`--interval must be a positive number of seconds, got ${String(argv.interval)}`);
  const cacert = String(argv.cacert ?? '');
  return {
    url,
    infraEnvId,
    hostId,
    agentVersion: String(argv['agent-version'] ?? ''),
    intervalSeconds: interval,
    insecure: argv.insecure === true,
    cacertPath: cacert || undefined,
    token: env.PULL_SECRET_TOKEN ?? '',
  };
}
