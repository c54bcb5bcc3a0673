import { newSecretToken } from '../server/tokens.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sea from 'node:sea';
import type { ParsedArgs } from '../cli/options.js';
import { ExitError, UsageError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { buildApp, DEFAULT_MAX_LOG_BYTES, type ServerTimeouts } from '../server/app.js';
import type { AuthConfig } from '../server/auth.js';
import { prepareDataDir } from '../server/data-dir.js';
import { DiscoveryService } from '../server/discovery-service.js';
import { AgentBinaries } from '../server/boot/agent-binaries.js';
import type { BootArtifacts } from '../server/boot/ipxe.js';
import { plainUrl } from '../server/boot/service-url.js';
import { openStore } from '../server/store/open-store.js';
import { openCoordination } from '../server/replicas/open-coordination.js';
import { ConsoleAssets } from '../server/console/assets.js';
import { ConsoleSessions } from '../server/console/sessions.js';
import { ServiceMetrics } from '../server/metrics/service-metrics.js';
import { report } from './runtime.js';

/** How often the monitor looks for hosts that stopped polling (upstream's HOST_MONITOR_INTERVAL). */
const MONITOR_INTERVAL_MS = 8_000;

export interface ServeFlags {
  listen: { host: string; port: number };
  dataDir: string;
  databaseUrl?: string;
  databasePool?: number;
  tls?: { cert: string; key: string };
  auth: 'token' | 'none';
  adminToken?: string;
  agentImage?: string;
  maxLogBytes: number;
  pollIntervalSeconds: number;
  timeouts: Pick<ServerTimeouts, 'maxConnections' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'idleTimeoutMs'>;
  /** URL hosts reach the service at; else each request's scheme and Host. */
  publicUrl?: string;
  /** Agent executables to hand out (one per architecture); empty: this single executable itself. */
  agentBinaries: string[];
  /** The CA bundle hosts must trust; by default the --tls-cert file (a self-signed certificate is its own CA). */
  tlsCa?: string;
  bootArtifacts?: BootArtifacts;
  /** GET /metrics without the operator token (for a scraper on a trusted network). */
  metricsPublic: boolean;
}

/** The database URL for messages: never its password. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the --database-url database';
  }
}

/** Kernel arguments the iPXE script adds: plain words only (iPXE expands `$`, splits on spaces). */
const KERNEL_ARGS = /^[A-Za-z0-9_.,:=/+@-]+( [A-Za-z0-9_.,:=/+@-]+)*$/;

function bootArtifactFlags(argv: ParsedArgs): BootArtifacts | undefined {
  const urls = (['boot-kernel-url', 'boot-initrd-url', 'boot-rootfs-url'] as const).map((flag) => String(argv[flag] ?? ''));
  const kernelArguments = String(argv['boot-kernel-args'] ?? '').trim();
  if (urls.every((u) => u === '')) {
    if (kernelArguments) throw new UsageError('--boot-kernel-args goes with --boot-kernel-url, --boot-initrd-url and --boot-rootfs-url');
    return undefined;
  }
  if (urls.some((u) => u === '')) throw new UsageError('--boot-kernel-url, --boot-initrd-url and --boot-rootfs-url go together (the iPXE live image)');
  if (kernelArguments && !KERNEL_ARGS.test(kernelArguments)) throw new UsageError(`--boot-kernel-args ${JSON.stringify(kernelArguments)}: plain words only (letters, digits, _ . , : = / + @ -)`);
  const [kernelUrl, initrdUrl, rootfsUrl] = urls.map((u, i) => checkedUrl(u, ['--boot-kernel-url', '--boot-initrd-url', '--boot-rootfs-url'][i] as string)) as [string, string, string];
  return { kernelUrl, initrdUrl, rootfsUrl, ...(kernelArguments && { kernelArguments }) };
}

function checkedUrl(value: string, flag: string): string {
  try {
    return plainUrl(value, flag);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function wholeNumber(argv: ParsedArgs, flag: string, min: number, max: number, unit: string): number {
  const value = Number(argv[flag]);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${flag} must be a whole number of ${unit} from ${min} to ${max}`);
  return value;
}

export function serveFlags(argv: ParsedArgs): ServeFlags {
  const listen = String(argv.listen);
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new UsageError(`--listen ${JSON.stringify(listen)}: expected host:port, e.g. 127.0.0.1:8090 or [::1]:8090`);
  const cert = String(argv['tls-cert'] ?? '');
  if (argv['tls-ca'] && !cert) throw new UsageError('--tls-ca goes with --tls-cert and --tls-key');
  const key = String(argv['tls-key'] ?? '');
  if (Boolean(cert) !== Boolean(key)) throw new UsageError('--tls-cert and --tls-key go together');
  const auth = String(argv.auth);
  if (auth !== 'token' && auth !== 'none') throw new UsageError(`--auth must be token or none, got ${JSON.stringify(auth)}`);
  const maxLogBytes = Number(argv['max-log-bytes']);
  if (!Number.isInteger(maxLogBytes) || maxLogBytes <= 0) throw new UsageError('--max-log-bytes must be a positive number of bytes');
  const pollIntervalSeconds = wholeNumber(argv, 'poll-interval', 1, 3600, 'seconds');
  const timeouts = {
    maxConnections: wholeNumber(argv, 'max-connections', 16, 1_000_000, 'connections'),
    headersTimeoutMs: wholeNumber(argv, 'headers-timeout', 1, 600, 'seconds') * 1000,
    requestTimeoutMs: wholeNumber(argv, 'request-timeout', 10, 86_400, 'seconds') * 1000,
    idleTimeoutMs: wholeNumber(argv, 'idle-timeout', 1, 3600, 'seconds') * 1000,
  };
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) throw new UsageError('--headers-timeout cannot be longer than --request-timeout');
  return {
    listen: { host: (match[1] as string).replace(/^\[|\]$/g, ''), port },
    dataDir: path.resolve(String(argv['data-dir'])),
    databaseUrl: String(argv['database-url'] ?? '') || undefined,
    databasePool: argv['database-pool'] === undefined ? undefined : wholeNumber(argv, 'database-pool', 1, 1000, 'connections'),
    tls: cert ? { cert, key } : undefined,
    auth,
    adminToken: String(argv['admin-token'] ?? '') || process.env.INBAND_ADMIN_TOKEN || undefined,
    agentImage: String(argv['agent-image'] ?? '') || undefined,
    maxLogBytes,
    pollIntervalSeconds,
    timeouts,
    publicUrl: argv['public-url'] ? checkedUrl(String(argv['public-url']), '--public-url') : undefined,
    agentBinaries: ([] as unknown[]).concat(argv['agent-binary'] ?? []).map(String).filter(Boolean),
    tlsCa: String(argv['tls-ca'] ?? '') || undefined,
    bootArtifacts: bootArtifactFlags(argv),
    metricsPublic: Boolean(argv['metrics-public']),
  };
}

export const SERVE_DEFAULTS = { listen: '127.0.0.1:8090', maxLogBytes: DEFAULT_MAX_LOG_BYTES };

/**
 * The operator token: the flag's, or the one saved in the data directory, or a new one that is
 * saved (mode 0600, for local CLI use) and printed once.
 */
function resolveAdminToken(flags: ServeFlags): string {
  if (flags.adminToken) return flags.adminToken;
  const file = path.join(flags.dataDir, 'admin-token');
  try {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved) return saved;
  } catch {
    // first start: make one
  }
  const token = newSecretToken();
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
  } catch (err) {
    throw new ExitError(`cannot save the operator token in ${file}: ${(err as Error).message}; pass --admin-token or make the data directory writable`, 1);
  }
  report(`generated the operator token (saved in ${file}; shown only this once): ${token}`);
  return token;
}

/**
 * The agents to hand out: --agent-binary builds, or this single executable itself (it is the
 * agent). Run from the bundle under node there is none, and the discovery files say so.
 */
async function loadAgentBinaries(flags: ServeFlags, log: Logger): Promise<AgentBinaries> {
  const files = flags.agentBinaries.length > 0 ? flags.agentBinaries : sea.isSea() ? [process.execPath] : [];
  try {
    return await AgentBinaries.load(files, path.join(flags.dataDir, 'agent-binaries'), log);
  } catch (err) {
    throw new ExitError(`--agent-binary: ${(err as Error).message}`, 2);
  }
}

/** `inband serve`: the bundled service, until SIGTERM/SIGINT. */
export async function serveCommand(flags: ServeFlags, log: Logger, signal: AbortSignal): Promise<number> {
  prepareDataDir(flags.dataDir, (message) => {
    report(`warning: ${message}`);
    log.warn(message);
  });
  const metrics = new ServiceMetrics({ processMetrics: true });
  const location = { dataDir: flags.dataDir, databaseUrl: flags.databaseUrl, databasePool: flags.databasePool };
  const engine = await openStore(location);
  const coordination = await openCoordination(engine, location, log).catch(async (err: unknown) => {
    await engine.close();
    throw new ExitError(`cannot reach the database for the replicas' coordination: ${(err as Error).message}`, 1);
  });
  const store = metrics.timeStore(engine);
  const logsDir = path.join(flags.dataDir, 'logs');
  const service = new DiscoveryService(store, {
    agentImage: flags.agentImage,
    logsDir,
    pollIntervalSeconds: flags.pollIntervalSeconds,
    observer: metrics,
    coordination,
    onBackgroundError: (err) => log.warn('re-reading a change from another replica failed', { error: (err as Error).message }),
  });
  await service.start();
  const auth: AuthConfig = {
    mode: flags.auth,
    adminToken: flags.auth === 'token' ? resolveAdminToken(flags) : '',
    sessions: new ConsoleSessions(),
    publicUrl: flags.publicUrl,
  };
  if (flags.auth === 'none') report('--auth none: every request is accepted; use this for local experiments only');
  else if (flags.metricsPublic) report('--metrics-public: GET /metrics answers without the operator token');
  let https: { cert: Buffer; key: Buffer } | undefined;
  let serviceCaPem: string | undefined;
  if (flags.tls) {
    try {
      https = { cert: readFileSync(flags.tls.cert), key: readFileSync(flags.tls.key) };
      serviceCaPem = readFileSync(flags.tlsCa ?? flags.tls.cert, 'utf8');
    } catch (err) {
      throw new ExitError(`cannot read the TLS certificate, key or CA: ${(err as Error).message}`, 1);
    }
  }
  const binaries = await loadAgentBinaries(flags, log).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const boot = { binaries, publicUrl: flags.publicUrl, agentImage: flags.agentImage, serviceCaPem, bootArtifacts: flags.bootArtifacts };
  const consoleAssets = ConsoleAssets.load();
  const app = await buildApp({
    service,
    auth,
    logsDir,
    maxLogBytes: flags.maxLogBytes,
    log,
    https,
    timeouts: flags.timeouts,
    boot,
    consoleAssets,
    metrics: { registry: metrics, public: flags.metricsPublic },
  });
  try {
    await app.listen({ host: flags.listen.host, port: flags.listen.port });
  } catch (err) {
    await binaries.close();
    await coordination.close();
    await store.close();
    throw new ExitError(`cannot listen on ${flags.listen.host}:${flags.listen.port}: ${(err as Error).message}`, 1);
  }
  const scheme = https ? 'https' : 'http';
  const host = flags.listen.host.includes(':') ? `[${flags.listen.host}]` : flags.listen.host;
  const where = flags.databaseUrl ? `data in ${redactedUrl(flags.databaseUrl)}` : `data in ${flags.dataDir}`;
  report(`serving on ${scheme}://${host}:${flags.listen.port} (${where})`);
  if (consoleAssets.built) report(`console at ${scheme}://${host}:${flags.listen.port}/ (sign in with the operator token)`);
  log.info('service started', { listen: `${host}:${flags.listen.port}`, data_dir: flags.dataDir });

  // On one replica at a time: the lease moves to another when its holder dies.
  const monitor = coordination.runLeased('host-monitor', MONITOR_INTERVAL_MS, async () => {
    await service.markDisconnected().catch((err: unknown) => log.error('host monitor failed', { error: (err as Error).message }));
    await service.reevaluatePeers().catch((err: unknown) => log.error('re-evaluating connectivity failed', { error: (err as Error).message }));
  });
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await monitor.stop();
  await app.close();
  await binaries.close();
  await coordination.close();
  await store.close();
  log.info('service stopped');
  return 0;
}
