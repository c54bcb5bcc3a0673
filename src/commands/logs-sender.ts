import type { Argv } from 'yargs';
import type { ParsedArgs } from '../cli/options.js';
import { dryRunOptions, loggingOptions, withOptions } from '../cli/options.js';
import { findTool } from '../cli/tools.js';
import { UsageError } from '../errors.js';
import type { LogsSenderRequest } from '../logs/run.js';
import { isUuid } from '../protocol/formats.js';
import { withCommandRuntime } from './runtime.js';

/** `inband logs_sender`: upstream's flags, plus --max-size for the bundle cap. */
export function logsSenderBuilder(y: Argv): Argv {
  return withOptions(y, loggingOptions({ journal: true, text: true }), dryRunOptions(), {
    url: { type: 'string', default: '', describe: 'service URL, scheme://host[:port]' },
    'cluster-id': { type: 'string', default: '', describe: 'cluster the logs belong to (this service: the infra-env ID)' },
    'host-id': { type: 'string', default: '', describe: 'this host\'s ID' },
    'infra-env-id': { type: 'string', default: '', describe: 'infra-env of the host' },
    'pull-secret-token': { type: 'string', default: '', describe: 'agent token [env PULL_SECRET_TOKEN]' },
    since: { type: 'string', default: '', describe: 'journal entries since this time (journalctl --since)' },
    'dont-clean': { type: 'boolean', default: false, describe: 'keep the collected files and the archive' },
    bootstrap: { type: 'boolean', default: false, describe: 'the host is the bootstrap node' },
    'with-installer-gather-logging': { type: 'boolean', default: false, describe: 'also gather dmesg, coredumps and the full journal' },
    'masters-ips': { type: 'string', default: '', describe: 'control-plane IPs, comma separated (installer gather)' },
    insecure: { type: 'boolean', default: false, describe: 'do not verify the service\'s TLS certificate' },
    cacert: { type: 'string', default: '', describe: 'PEM file of CAs trusted in addition to the system ones' },
    'max-size': { type: 'number', default: 200 * 1024 * 1024, describe: 'bytes the collected files may take; the largest are truncated to fit' },
  });
}

/** The flags, checked: the request the logs-gather step also builds, with the size cap always set. */
export type LogsSenderFlags = LogsSenderRequest & { maxSizeBytes: number };

export function logsSenderFlags(argv: ParsedArgs, env: NodeJS.ProcessEnv = process.env): LogsSenderFlags {
  const text = (name: string): string => String(argv[name] ?? '').trim();
  const url = text('url');
  // Upstream checks -url with flag.Visit: it must be given, and a bad one is a usage error (exit 2).
  if (!url) throw new UsageError('Must provide a target URL: -url scheme://host[:port] of the Assisted Installer Service');
  if (!/^https?:\/\/[^/\s]+/i.test(url)) throw new UsageError(`-url ${JSON.stringify(url)} is not an http(s) URL; expected scheme://host[:port]`);
  const ids: Record<string, string> = {};
  for (const name of ['cluster-id', 'host-id', 'infra-env-id']) {
    const value = text(name);
    if (!value) throw new UsageError(`-${name} must be provided`);
    if (!isUuid(value)) throw new UsageError(`-${name} ${JSON.stringify(value)} is not a UUID`);
    ids[name] = value;
  }
  const maxSize = Number(argv['max-size']);
  if (!Number.isFinite(maxSize) || maxSize <= 0) throw new UsageError(`--max-size must be a positive number of bytes, got ${String(argv['max-size'])}`);
  return {
    url,
    clusterId: ids['cluster-id'] as string,
    hostId: ids['host-id'] as string,
    infraEnvId: ids['infra-env-id'] as string,
    token: text('pull-secret-token') || (env.PULL_SECRET_TOKEN ?? ''),
    since: text('since') || undefined,
    dontClean: argv['dont-clean'] === true,
    bootstrap: argv.bootstrap === true,
    installerGather: argv['with-installer-gather-logging'] === true,
    mastersIps: text('masters-ips').split(',').map((ip) => ip.trim()).filter(Boolean),
    insecure: argv.insecure === true,
    cacertPath: text('cacert') || undefined,
    maxSizeBytes: Math.floor(maxSize),
  };
}

export async function logsSenderCommand(argv: ParsedArgs): Promise<number> {
  const flags = logsSenderFlags(argv);
  const tool = findTool('logs_sender');
  return withCommandRuntime(tool?.logName ?? 'logs-sender', argv, async (log, signal) => {
    const { runLogsSender } = await import('../logs/run.js');
    const outcome = await runLogsSender(flags, { log, signal });
    if (outcome.exitCode === 0) process.stdout.write(outcome.output);
    else process.stderr.write(outcome.error);
    return outcome.exitCode === 0 ? 0 : 255;
  });
}
